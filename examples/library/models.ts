/**
 * The library app: authors write books, books carry tags and collect reviews.
 *
 * Drizzle tables are the source of truth; each djazzle model wraps one table and adds Django's
 * relations and options (`models.ForeignKey`, `models.ManyToManyField`, `class Meta`).
 */
import { integer, pgTable, serial, smallint, text, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';
import { CASCADE, defineApp, ForeignKey, ManyToMany, type Manager, Model, type RelatedManager, ValidationError } from 'djazzle';
import { ContentType, GenericForeignKey } from 'djazzle/contenttypes';
import { signalEvents } from 'djazzle/signals';

/** Django's `ProhibitNullCharactersValidator`-like check: a title of spaces only is blank. */
export function notBlankText(value: unknown): void {
  if (typeof value === 'string' && value.trim() === '') throw new ValidationError('This field cannot be blank.', { code: 'blank' });
}

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

/** The activity feed, written by a durable signal subscriber (see `subscribers.ts`). */
export const activities = pgTable('library_activity', {
  id: serial('id').primaryKey(),
  /** The durable event it came from: a redelivered event finds its row and adds none. */
  eventId: uuid('event_id').notNull().unique(),
  verb: varchar('verb', { length: 30 }).notNull(),
  summary: varchar('summary', { length: 300 }).notNull(),
  /** What it is about, as a generic relation: any model (a content type) and its primary key. */
  contentTypeId: integer('content_type_id').notNull(),
  objectId: integer('object_id').notNull(),
  at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
});

/** Django: `def validate_not_in_future(value)`: a field validator (`fields.born.validators`). */
export function notInTheFuture(value: unknown): void {
  if (typeof value === 'number' && value > new Date().getUTCFullYear()) {
    throw new ValidationError(`${value} is in the future.`, { code: 'future' });
  }
}

export class Author extends Model(authors, {
  app: 'library',
  fields: { born: { verboseName: 'year of birth', validators: [notInTheFuture] } },
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
    title: { helpText: 'As printed on the cover', validators: [notBlankText] },
    published: { validators: [notInTheFuture] },
    createdAt: { editable: false },
  },
  meta: { ordering: ['title'], getLatestBy: 'createdAt' },
}) {
  declare static objects: Manager<Book>;
  declare reviews: RelatedManager<Review>;

  /** Django's `Model.clean()`: a rule across fields (a book is not published before its author's birth). */
  override async clean(): Promise<void> {
    if (this.published === null || this.published === undefined || this.authorId === null || this.authorId === undefined) return;
    const author = await Author.objects.filter({ pk: this.authorId }).first();
    if (author?.born !== null && author?.born !== undefined && this.published < author.born) {
      throw new ValidationError({ published: [`${this.published} is before the author was born (${author.born}).`] });
    }
  }
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

export class Activity extends Model(activities, {
  app: 'library',
  fields: {
    contentType: ForeignKey(() => ContentType, { onDelete: CASCADE }),
    // Django: target = GenericForeignKey('content_type', 'object_id')
    target: GenericForeignKey('contentType', 'objectId'),
  },
  meta: { ordering: ['-at', '-id'], verboseNamePlural: 'activity' },
}) {
  declare static objects: Manager<Activity>;
}

export const library = defineApp('library', { models: [Author, Book, Tag, Review, Activity] });

/**
 * Every table of the app, in creation order (for `db.createTables(...)` and `testDatabase()`),
 * with the content types (the activity feed's generic relation) and djazzle's table of durable
 * signal events (the subscriber in `subscribers.ts` needs it).
 */
export const libraryModels = [ContentType, Author, Tag, Book, Review, Activity, signalEvents] as const;
