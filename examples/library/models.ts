/**
 * The library app: authors write books, books carry tags and collect reviews.
 *
 * Drizzle tables are the source of truth; each djazzle model wraps one table and adds Django's
 * relations and options (`models.ForeignKey`, `models.ManyToManyField`, `class Meta`).
 */
import { integer, pgTable, serial, smallint, text, timestamp, varchar } from 'drizzle-orm/pg-core';
import { CASCADE, defineApp, ForeignKey, ManyToMany, type Manager, Model, type RelatedManager } from 'djazzle';

export const authors = pgTable('library_author', {
  id: serial('id').primaryKey(),
  name: varchar('name', { length: 100 }).notNull().unique(),
  born: integer('born'),
});

export const books = pgTable('library_book', {
  id: serial('id').primaryKey(),
  title: varchar('title', { length: 200 }).notNull(),
  published: integer('published'),
  authorId: integer('author_id').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const tags = pgTable('library_tag', {
  id: serial('id').primaryKey(),
  name: varchar('name', { length: 50 }).notNull().unique(),
});

export const reviews = pgTable('library_review', {
  id: serial('id').primaryKey(),
  bookId: integer('book_id').notNull(),
  rating: smallint('rating').notNull(),
  body: text('body').notNull().default(''),
});

export class Author extends Model(authors, {
  app: 'library',
  fields: { born: { verboseName: 'year of birth' } },
  meta: { ordering: ['name'] },
}) {
  // Type-only declarations (they emit nothing): `objects` answers `Author`s, which have the
  // reverse side of Book.author as `author.books`.
  declare static objects: Manager<Author>;
  declare books: RelatedManager<Book>;
}

export class Tag extends Model(tags, { app: 'library', meta: { ordering: ['name'] } }) {
  declare static objects: Manager<Tag>;
  declare bookSet: RelatedManager<Book>; // no relatedName: Django's `tag.book_set`
}

export class Book extends Model(books, {
  app: 'library',
  fields: {
    // class Book(models.Model): author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name='books')
    author: ForeignKey(() => Author, { onDelete: CASCADE, relatedName: 'books' }),
    // tags = models.ManyToManyField(Tag): djazzle defines the junction table library_book_tags
    tags: ManyToMany(() => Tag),
    title: { helpText: 'As printed on the cover' },
  },
  meta: { ordering: ['title'], getLatestBy: 'createdAt' },
}) {
  declare static objects: Manager<Book>;
  declare reviews: RelatedManager<Review>;
}

export class Review extends Model(reviews, {
  app: 'library',
  fields: {
    book: ForeignKey(() => Book, { onDelete: CASCADE, relatedName: 'reviews' }),
    rating: { choices: [[1, '1'], [2, '2'], [3, '3'], [4, '4'], [5, '5']] },
  },
  meta: { ordering: ['-rating', 'id'] },
}) {
  declare static objects: Manager<Review>;
}

export const library = defineApp('library', { models: [Author, Book, Tag, Review] });

/** Every model of the app, in creation order (for `db.createTables(...)` and `testDatabase()`). */
export const libraryModels = [Author, Tag, Book, Review] as const;
