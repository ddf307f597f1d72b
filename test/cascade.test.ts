/** A cascade several levels deep, with nobody listening, is one DELETE per model and loads nothing. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { integer, pgTable, serial, text } from 'drizzle-orm/pg-core';
import { CASCADE, defineApp, ForeignKey, ManyToMany, Model, type Connection } from 'djazzle';
import { captureQueries, testDatabase } from 'djazzle/testing';

const shelves = pgTable('cas_shelf', { id: serial('id').primaryKey(), name: text('name').notNull() });
const books = pgTable('cas_book', { id: serial('id').primaryKey(), shelfId: integer('shelf_id').notNull() });
const pages = pgTable('cas_page', { id: serial('id').primaryKey(), bookId: integer('book_id').notNull() });
const labels = pgTable('cas_label', { id: serial('id').primaryKey() });
class Shelf extends Model(shelves, { app: 'cas' }) {}
class Book extends Model(books, { app: 'cas', fields: { shelf: ForeignKey(() => Shelf, { onDelete: CASCADE }), labels: ManyToMany(() => Label) } }) {}
class Page extends Model(pages, { app: 'cas', fields: { book: ForeignKey(() => Book, { onDelete: CASCADE }) } }) {}
class Label extends Model(labels, { app: 'cas' }) {}
defineApp('cas', { models: [Shelf, Book, Page, Label] });

let db: Connection;
beforeAll(async () => {
  db = await testDatabase({ models: [Shelf, Book, Page, Label] });
});
afterAll(() => db.close());

it('deletes grandchildren, children and parents by subquery, one statement each', async () => {
  const [keep, gone] = await Shelf.objects.bulkCreate([new Shelf({ name: 'keep' }), new Shelf({ name: 'gone' })]);
  const label = await Label.objects.create({});
  for (const shelf of [keep!, gone!]) {
    const [b1, b2] = await Book.objects.bulkCreate([new Book({ shelf }), new Book({ shelf })]);
    await Page.objects.bulkCreate([new Page({ book: b1 }), new Page({ book: b1 }), new Page({ book: b2 })]);
    await b1!.labels.add(label);
  }
  const { queries, result } = await captureQueries(() => Shelf.objects.filter({ name: 'gone' }).delete());
  expect(queries.map((q) => q.sql.split(' ').slice(0, 3).join(' '))).toEqual([
    'delete from "cas_page"',
    'delete from "cas_book_labels"',
    'delete from "cas_book"',
    'delete from "cas_shelf"',
  ]);
  expect(result).toEqual([7, { 'cas.Page': 3, 'cas.Book_labels': 1, 'cas.Book': 2, 'cas.Shelf': 1 }]);
  expect(await Page.objects.count()).toBe(3);
  expect(await Book.objects.count()).toBe(2);
});
