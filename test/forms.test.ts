/** `djazzle/forms`: modelSchema, validate, and the instance methods fullClean / cleanFields / validateUnique / validateConstraints. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pgTable, serial, text } from 'drizzle-orm/pg-core';
import * as v from 'valibot';
import { type Connection, defineApp, FieldError, Model, ValidationError } from 'djazzle';
import { issuesToErrors, modelSchema, toValidationError, validate } from 'djazzle/forms';
import { captureQueries, testDatabase } from 'djazzle/testing';
import { Publisher, ShelfBook, shelfModels } from './fixtures/shelf.js';

// A field with an async validator: modelSchema becomes an async schema.
const handles = pgTable('forms_handle', { id: serial('id').primaryKey(), handle: text('handle').notNull() });
class Handle extends Model(handles, {
  app: 'forms',
  fields: {
    handle: {
      validators: [
        async (value: unknown) => {
          await Promise.resolve();
          if (value === 'admin') throw new ValidationError('This handle is reserved.', { code: 'reserved' });
        },
      ],
    },
  },
}) {}
defineApp('forms', { models: [Handle] });

let db: Connection;
let gollancz: Publisher;

beforeAll(async () => {
  db = await testDatabase({ models: [...shelfModels, Handle] });
});
afterAll(() => db.close());
beforeEach(async () => {
  await db.truncate();
  gollancz = await Publisher.objects.create({ name: 'Gollancz' });
});

const messageDict = async (promise: Promise<unknown>): Promise<Record<string, string[]>> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ValidationError) return error.messageDict;
    throw error;
  }
  throw new Error('expected a ValidationError');
};

describe('modelSchema', () => {
  const parse = (input: unknown, options?: Parameters<typeof modelSchema>[1]) => {
    const result = v.safeParse(modelSchema(ShelfBook, options) as v.GenericSchema, input);
    return result.success ? { data: result.output as Record<string, unknown> } : { errors: issuesToErrors(ShelfBook, result.issues) };
  };

  it('requires fields without a default that are neither nullable nor blank, keyed by attribute name', () => {
    expect(parse({})).toEqual({ errors: { title: ['This field is required.'], publisherId: ['This field is required.'] } });
    expect(Object.keys((modelSchema(ShelfBook) as unknown as { entries: object }).entries)).toEqual([
      'title', 'subtitle', 'isbn', 'pages', 'genre', 'price', 'copiesSold', 'published', 'inPrint', 'edition', 'publisherId',
    ]); // not id (auto) nor createdAt (autoNowAdd): not editable
  });

  it('converts values to the fields\' types; an omitted blank text field is an empty string', () => {
    const { data } = parse({ title: 'Dune', publisherId: 1, price: 9.5, copiesSold: '12345678901234567', published: '1965-08-01 12:30', inPrint: false, isbn: null });
    expect(data).toEqual({
      title: 'Dune', subtitle: '', publisherId: 1, price: '9.5', copiesSold: 12345678901234567n,
      published: new Date('1965-08-01T12:30:00Z'), inPrint: false, isbn: null,
    });
    expect(parse({ title: 'Dune', publisherId: 1, published: '1965-08-01T12:30:00+02:00', price: '-0.50' }).data).toMatchObject({ published: new Date('1965-08-01T10:30:00Z'), price: '-0.50' });
  });

  it("answers Django's messages: types, max length, choices, blank, null, digits, validators, unknown keys", () => {
    expect(parse({ title: 'x'.repeat(41), subtitle: 7, publisherId: null, genre: 'saga', pages: 1.5, price: '12345.678', copiesSold: 'many', published: '1965-13-01', inPrint: 'yes', isbn: '123', extra: 1 })).toEqual({
      errors: {
        title: ['Ensure this value has at most 40 characters (it has 41).'],
        subtitle: ['Not a valid string.'],
        publisherId: ['This field cannot be null.'],
        genre: ["Value 'saga' is not a valid choice."],
        pages: ['“1.5” value must be an integer.'],
        price: ['Ensure that there are no more than 6 digits in total.'],
        copiesSold: ['“many” value must be an integer.'],
        published: ['“1965-13-01” value has the correct format (YYYY-MM-DD HH:MM[:ss[.uuuuuu]][TZ]) but it is an invalid date/time.'],
        inPrint: ['“yes” value must be either True or False.'],
        isbn: ['An ISBN has 13 digits.'],
        extra: ['Unknown field.'],
      },
    });
    expect(parse({ title: '', publisherId: 1, price: '1.234', published: 'yesterday' }).errors).toEqual({
      title: ['This field cannot be blank.'],
      price: ['Ensure that there are no more than 2 decimal places.'],
      published: ['“yesterday” value has an invalid format. It must be in YYYY-MM-DD HH:MM[:ss[.uuuuuu]][TZ] format.'],
    });
    expect(parse({ title: 'SHOUTING', publisherId: 1, price: '123456' }).errors).toEqual({
      title: ['Please do not shout.'], // a function validator's ValidationError
      price: ['Ensure that there are no more than 4 digits before the decimal point.'],
    });
  });

  it('partial, fields and exclude', () => {
    expect(parse({}, { partial: true })).toEqual({ data: {} });
    expect(parse({ pages: 10 }, { fields: ['pages', 'genre'] })).toEqual({ data: { pages: 10 } });
    expect(parse({ title: 'Dune' }, { exclude: ['publisher', 'subtitle', 'isbn', 'pages', 'genre', 'price', 'copiesSold', 'published', 'inPrint', 'edition'] })).toEqual({ data: { title: 'Dune' } });
    expect(() => modelSchema(ShelfBook, { fields: ['title', 'nope'] })).toThrow(new FieldError('Unknown field(s) (nope) specified for Book'));
    expect(() => modelSchema(ShelfBook, { fields: ['createdAt'] })).toThrow("'createdAt' cannot be specified for Book model form as it is a non-editable field");
  });

  it('is async when a validator is; toValidationError gives messageDict', async () => {
    const schema = modelSchema(Handle);
    expect(schema.async).toBe(true);
    const result = await v.safeParseAsync(schema, { handle: 'admin' });
    expect(result.success).toBe(false);
    expect(toValidationError(Handle, result.issues!).messageDict).toEqual({ handle: ['This handle is reserved.'] });
    expect((await v.safeParseAsync(schema, { handle: 'ada' })).output).toEqual({ handle: 'ada' });
  });
});

describe('validate', () => {
  it('answers the converted data; writes nothing', async () => {
    const { result, queries } = await captureQueries(() => validate(ShelfBook, { title: 'Dune', publisherId: gollancz.id, published: '1965-08-01', copiesSold: 1000 }));
    expect(result).toEqual({ success: true, data: { title: 'Dune', subtitle: '', publisherId: gollancz.id, published: new Date('1965-08-01T00:00:00Z'), copiesSold: 1000n } });
    expect(queries.every((q) => /^select/i.test(q.sql))).toBe(true); // the publisher's existence and uniqueness: reads only
    expect(await ShelfBook.objects.count()).toBe(0);
  });

  it('checks foreign keys, uniqueness (fields, uniqueTogether, unique indexes), check constraints and clean() against the database, all together', async () => {
    await ShelfBook.objects.create({ title: 'Dune', subtitle: '', publisherId: gollancz.id, isbn: '9780441172719' });
    expect(await validate(ShelfBook, { title: 'Dune', publisherId: gollancz.id, isbn: '9780441172719', pages: 0 })).toEqual({
      success: false,
      errors: {
        __all__: ['Book with this Title and Publisher already exists.', 'Constraint “shelf_book_pages_positive” is violated.'],
        isbn: ['Book with this ISBN already exists.'],
      },
    });
    expect(await validate(ShelfBook, { title: 'Untitled', publisherId: 999, genre: 'poetry', pages: 2000 })).toEqual({
      success: false,
      errors: { publisherId: ['publisher instance with id 999 does not exist.'], title: ['Give the book a title.'], __all__: ['Poetry books have at most 1000 pages.'] },
    });
    expect(await validate(Publisher, { name: 'Gollancz' })).toEqual({ success: false, errors: { name: ['Publisher with this Name already exists.'] } });
    expect(await validate(Publisher, ['Gollancz'])).toEqual({ success: false, errors: { __all__: ['Invalid data. Expected a dictionary, but got list.'] } });
  });

  it('with an instance: its own row is no clash, the instance is not touched; partial', async () => {
    const dune = await ShelfBook.objects.create({ title: 'Dune', subtitle: '', publisherId: gollancz.id, isbn: '9780441172719' });
    expect(await validate(ShelfBook, { title: 'Dune', publisherId: gollancz.id, isbn: '9780441172719' }, { instance: dune })).toMatchObject({ success: true });
    expect(await validate(ShelfBook, { title: '' }, { instance: dune, partial: true })).toEqual({ success: false, errors: { title: ['This field cannot be blank.'] } });
    expect(await validate(ShelfBook, { pages: 320 }, { instance: dune, partial: true })).toEqual({ success: true, data: { pages: 320 } });
    expect(dune.title).toBe('Dune');
    expect(dune.pages).toBeNull();
    const other = await ShelfBook.objects.create({ title: 'Other', subtitle: '', publisherId: gollancz.id });
    expect(await validate(ShelfBook, { title: 'Dune' }, { instance: other, partial: true })).toEqual({ success: false, errors: { __all__: ['Book with this Title and Publisher already exists.'] } });
  });
});

describe('fullClean', () => {
  it("runs Django's steps and collects every error in messageDict", async () => {
    const book = new ShelfBook({ title: 'SHOUT', subtitle: '', publisherId: 999, genre: 'saga', isbn: '12', price: '12345.678', pages: -1 });
    expect(await messageDict(book.fullClean())).toEqual({
      title: ['Please do not shout.'],
      isbn: ['An ISBN has 13 digits.'],
      genre: ["Value 'saga' is not a valid choice."],
      price: ['Ensure that there are no more than 6 digits in total.'],
      publisher: ['publisher instance with id 999 does not exist.'],
      __all__: ['Constraint “shelf_book_pages_positive” is violated.'],
    });
  });

  it('clean() runs even when fields fail; its errors land under __all__ or the field it names', async () => {
    const book = new ShelfBook({ title: 'Untitled', subtitle: '', publisherId: gollancz.id, genre: 'poetry', pages: 1001, price: 'free' });
    expect(await messageDict(book.fullClean())).toEqual({
      price: ['“free” value must be a decimal number.'],
      title: ['Give the book a title.'],
      __all__: ['Poetry books have at most 1000 pages.'],
    });
    const poems = new ShelfBook({ title: 'Poems', subtitle: '', publisherId: gollancz.id, genre: 'poetry', pages: 1001 });
    expect(await messageDict(poems.fullClean())).toEqual({ __all__: ['Poetry books have at most 1000 pages.'] }); // a plain message
  });

  it('converts values (cleanFields writes them back); blank fields may be empty; the database gives defaults', async () => {
    // values as a form or JSON gives them (the types say otherwise)
    const book = new ShelfBook({ title: 'Dune', publisherId: gollancz.id, published: '1965-08-01T00:00:00Z', copiesSold: '7', price: 3 } as never);
    await book.fullClean(); // subtitle is blank (null allowed by blank), createdAt comes from the database
    expect(book.published).toEqual(new Date('1965-08-01T00:00:00Z'));
    expect(book.copiesSold).toBe(7n);
    expect(book.price).toBe('3');
  });

  it('validateUnique: unique fields, uniqueTogether and unique indexes, excluding the instance itself and fields that failed', async () => {
    const dune = await ShelfBook.objects.create({ title: 'Dune', subtitle: '', publisherId: gollancz.id, isbn: '9780441172719' });
    await dune.fullClean(); // its own row is no clash
    const copy = new ShelfBook({ title: 'Dune', subtitle: '', publisherId: gollancz.id, isbn: '9780441172719' });
    expect(await messageDict(copy.validateUnique())).toEqual({
      __all__: ['Book with this Title and Publisher already exists.'],
      isbn: ['Book with this ISBN already exists.'],
    });
    expect(await messageDict(copy.validateUnique({ exclude: ['title'] }))).toEqual({ isbn: ['Book with this ISBN already exists.'] });
    await copy.fullClean({ validateUnique: false });
    const shouting = new ShelfBook({ title: 'DUNE', subtitle: '', publisherId: gollancz.id, isbn: '9780441172719' });
    expect(await messageDict(shouting.fullClean({ exclude: ['isbn'] }))).toEqual({ title: ['Please do not shout.'] }); // title failed: no unique check on it
  });

  it('validateConstraints evaluates the table\'s check constraints in the database', async () => {
    const book = new ShelfBook({ title: 'Dune', subtitle: '', publisherId: gollancz.id, pages: 0 });
    expect(await messageDict(book.validateConstraints())).toEqual({ __all__: ['Constraint “shelf_book_pages_positive” is violated.'] });
    await book.validateConstraints({ exclude: ['pages'] });
    await book.fullClean({ validateConstraints: false });
    book.pages = null; // NULL satisfies a check, as in PostgreSQL
    await book.validateConstraints();
  });

  it('cleanFields alone', async () => {
    const publisher = new Publisher({ name: '', country: 'GBR' });
    expect(await messageDict(publisher.cleanFields())).toEqual({ name: ['This field cannot be blank.'], country: ['Ensure this value has at most 2 characters (it has 3).'] });
    await publisher.cleanFields({ exclude: ['name', 'country'] });
  });
});
