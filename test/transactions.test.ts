/** atomic(), onCommit(), setRollback() and durable blocks, with Django's semantics and messages. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { atomic, getRollback, IntegrityError, onCommit, setRollback, TransactionManagementError, type Connection } from 'djazzle';
import { testDatabase } from 'djazzle/testing';
import { Article, Publication, Reporter } from './fixtures/news.js';

let db: Connection;
beforeAll(async () => {
  db = await testDatabase({ models: [Reporter, Article, Publication] });
});
afterAll(() => db.close());
beforeEach(() => db.truncate());

const names = () => Reporter.objects.orderBy('firstName').valuesList('firstName', { flat: true });
const add = (firstName: string) => Reporter.objects.create({ firstName, lastName: 'x' });

describe('atomic', () => {
  it('commits, and rolls back when the block throws', async () => {
    await atomic(() => add('a'));
    await expect(atomic(async () => {
      await add('b');
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(await names()).toEqual(['a']);
  });

  it('nested blocks use savepoints: an inner rollback keeps the outer writes', async () => {
    await atomic(async () => {
      await add('outer');
      await atomic(async () => {
        await add('inner');
        throw new Error('inner failed');
      }).catch(() => undefined);
      await add('after');
    });
    expect(await names()).toEqual(['after', 'outer']);
  });

  it('savepoint: false merges into the outer block: an error there rolls back everything', async () => {
    await atomic(async () => {
      await add('outer');
      await atomic(
        async () => {
          await add('inner');
          throw new Error('merged');
        },
        { savepoint: false },
      ).catch(() => undefined);
      expect(getRollback()).toBe(true);
    });
    expect(await names()).toEqual([]);
  });

  it("a query in a broken transaction raises TransactionManagementError with Django's message", async () => {
    await add('dup');
    await atomic(async () => {
      const error = await Reporter.objects.create({ id: (await Reporter.objects.get()).id, firstName: 'x', lastName: 'y' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IntegrityError);
      await expect(Reporter.objects.count()).rejects.toThrow(TransactionManagementError);
      await expect(Reporter.objects.count()).rejects.toThrow("An error occurred in the current transaction. You can't execute queries until the end of the 'atomic' block.");
    });
    expect(await names()).toEqual(['dup']);
  });

  it('setRollback(true) rolls the block back without an error', async () => {
    await atomic(async () => {
      await add('x');
      setRollback(true);
    });
    expect(await names()).toEqual([]);
    expect(() => setRollback(true)).toThrow("The rollback flag doesn't work outside of an 'atomic' block.");
  });

  it('durable blocks refuse to nest', async () => {
    await atomic(() => add('durable'), { durable: true });
    await expect(atomic(() => atomic(() => add('x'), { durable: true }))).rejects.toThrow('A durable atomic block cannot be nested within another atomic block.');
    expect(await names()).toEqual(['durable']);
  });
});

describe('onCommit', () => {
  it('runs after the outermost commit, in order; hooks added by hooks run after them', async () => {
    const log: string[] = [];
    await atomic(async () => {
      onCommit(() => {
        log.push('first');
        onCommit(() => log.push('added by first'));
      });
      await atomic(async () => {
        onCommit(() => log.push('second'));
      });
      onCommit(async () => {
        await new Promise((r) => setTimeout(r, 5));
        log.push('third (async)');
      });
      expect(log).toEqual([]);
    });
    expect(log).toEqual(['first', 'added by first', 'second', 'third (async)']);
  });

  it('drops callbacks of a rolled-back savepoint or block; runs at once outside a transaction', async () => {
    const log: string[] = [];
    await atomic(async () => {
      onCommit(() => log.push('kept'));
      await atomic(async () => {
        onCommit(() => log.push('dropped'));
        throw new Error('x');
      }).catch(() => undefined);
    });
    await atomic(async () => {
      onCommit(() => log.push('never'));
      setRollback(true);
    });
    onCommit(() => log.push('immediate'));
    expect(log).toEqual(['kept', 'immediate']);
  });

  it('a failing callback makes atomic() reject after the commit; robust ones are logged', async () => {
    await expect(
      atomic(async () => {
        await add('committed');
        onCommit(() => {
          throw new Error('callback failed');
        });
      }),
    ).rejects.toThrow('callback failed');
    expect(await names()).toEqual(['committed']);
    const log: string[] = [];
    await atomic(async () => {
      onCommit(() => {
        throw new Error('robust');
      }, { robust: true });
      onCommit(() => log.push('still runs'));
    });
    expect(log).toEqual(['still runs']);
  });
});
