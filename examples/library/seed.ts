/**
 * Creates the library's tables and, on the first run only, some sample data.
 * Safe to run again: tables are created `IF NOT EXISTS` and data only when there are no authors.
 */
import { atomic, type Connection } from 'djazzle';
import { Author, Book, libraryModels, Review, Tag } from './models.js';

export interface SeedOptions {
  /** Where progress goes (default `console.log`; pass `() => {}` for silence). */
  log?: (message: string) => void;
}

const SAMPLE = [
  {
    author: { name: 'Ursula K. Le Guin', born: 1929 },
    books: [
      { title: 'A Wizard of Earthsea', published: 1968, tags: ['fantasy', 'classic'], reviews: [5, 4] },
      { title: 'The Left Hand of Darkness', published: 1969, tags: ['science fiction', 'classic'], reviews: [5] },
      { title: 'The Dispossessed', published: 1974, tags: ['science fiction'], reviews: [] },
    ],
  },
  {
    author: { name: 'Terry Pratchett', born: 1948 },
    books: [
      { title: 'Guards! Guards!', published: 1989, tags: ['fantasy', 'humour'], reviews: [5, 5, 3] },
      { title: 'Small Gods', published: 1992, tags: ['fantasy', 'humour'], reviews: [4] },
    ],
  },
  {
    author: { name: 'Octavia E. Butler', born: 1947 },
    books: [{ title: 'Kindred', published: 1979, tags: ['science fiction', 'classic'], reviews: [5] }],
  },
  { author: { name: 'Ted Chiang', born: 1967 }, books: [] },
];

/** Creates the tables when missing and inserts the sample data into an empty database. */
export async function seed(db: Connection, options: SeedOptions = {}): Promise<{ created: boolean }> {
  const log = options.log ?? ((message: string) => console.log(message));
  await db.createTables(...libraryModels);
  log('seed: tables ready (library_author, library_book, library_book_tags, library_tag, library_review, library_activity, djazzle_signal_event)');
  if (await Author.objects.exists()) {
    log(`seed: data already present (${await Author.objects.count()} authors, ${await Book.objects.count()} books); nothing to do`);
    return { created: false };
  }
  await atomic(async () => {
    for (const entry of SAMPLE) {
      const author = await Author.objects.create(entry.author);
      for (const data of entry.books) {
        const book = await Book.objects.create({ title: data.title, published: data.published, author });
        const bookTags = [];
        for (const name of data.tags) bookTags.push((await Tag.objects.getOrCreate({ name }))[0]);
        await book.tags.add(...bookTags);
        for (const rating of data.reviews) await book.reviews.create({ rating, body: `${rating} stars` });
      }
      log(`seed: ${author.name}: ${entry.books.length} book(s)`);
    }
  });
  log(`seed: created ${await Author.objects.count()} authors, ${await Book.objects.count()} books, ${await Tag.objects.count()} tags, ${await Review.objects.count()} reviews`);
  return { created: true };
}
