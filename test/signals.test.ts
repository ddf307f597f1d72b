/** The dispatcher (Django's dispatch tests) and where each built-in signal is sent. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pgTable, serial, text } from 'drizzle-orm/pg-core';
import { defineApp, Model, type Connection } from 'djazzle';
import { classPrepared, m2mChanged, postDelete, postInit, postSave, preDelete, preInit, preSave, receiver, Signal } from 'djazzle/signals';
import { testDatabase } from 'djazzle/testing';
import { Article, Publication, Reporter } from './fixtures/news.js';

describe('Signal', () => {
  it('calls receivers in connection order, awaiting async ones one after the other', async () => {
    const signal = new Signal<{ value: number }>();
    const log: string[] = [];
    signal.connect(async ({ value }) => {
      await new Promise((r) => setTimeout(r, 10));
      log.push(`slow ${value}`);
      return 'a';
    });
    signal.connect(({ value }) => {
      log.push(`fast ${value}`);
      return 'b';
    });
    const responses = await signal.send('sender', { value: 1 });
    expect(log).toEqual(['slow 1', 'fast 1']);
    expect(responses.map(([, r]) => r)).toEqual(['a', 'b']);
  });

  it('ignores a second connection with the same dispatchUid; disconnect by receiver or uid says whether it did', async () => {
    const signal = new Signal();
    let calls = 0;
    const a = () => void calls++;
    signal.connect(a, { dispatchUid: 'uid' });
    signal.connect(() => void (calls += 100), { dispatchUid: 'uid' });
    signal.connect(a);
    signal.connect(a); // same receiver, same sender: once
    await signal.send('x', {});
    expect(calls).toBe(2);
    expect(signal.disconnect({ dispatchUid: 'uid' })).toBe(true);
    expect(signal.disconnect({ dispatchUid: 'uid' })).toBe(false);
    expect(signal.disconnect(a)).toBe(true);
    expect(signal.disconnect(a)).toBe(false);
    expect(signal.hasListeners()).toBe(false);
  });

  it('filters by sender; senders may be model classes or labels resolved once the model exists', async () => {
    const signal = new Signal<{ n: number }>();
    const seen: unknown[] = [];
    signal.connect(({ sender }) => void seen.push(sender), { sender: 'news.Article' });
    signal.connect(({ sender }) => void seen.push(['by class', sender]), { sender: Reporter });
    await signal.send(Article, { n: 1 });
    await signal.send(Reporter, { n: 2 });
    await signal.send(Publication, { n: 3 });
    expect(seen).toEqual([Article, ['by class', Reporter]]);
    expect(signal.hasListeners(Article)).toBe(true);
    expect(signal.hasListeners(Publication)).toBe(false);
  });

  it('send lets an error propagate; sendRobust returns it in place of the response', async () => {
    const signal = new Signal();
    const after: string[] = [];
    signal.connect(() => {
      throw new Error('receiver failed');
    });
    signal.connect(() => void after.push('second'));
    await expect(signal.send('x', {})).rejects.toThrow('receiver failed');
    expect(after).toEqual([]);
    const responses = await signal.sendRobust('x', {});
    expect(responses[0]![1]).toBeInstanceOf(Error);
    expect((responses[0]![1] as Error).message).toBe('receiver failed');
    expect(after).toEqual(['second']);
  });

  it('receiver() connects a function to one or several signals and returns it', async () => {
    const a = new Signal();
    const b = new Signal();
    let n = 0;
    const fn = receiver([a, b], { sender: 'x' })(() => void n++);
    expect(typeof fn).toBe('function');
    await a.send('x', {});
    await b.send('x', {});
    await b.send('y', {});
    expect(n).toBe(2);
  });
});

const pets = pgTable('sig_pet', { id: serial('id').primaryKey(), name: text('name').notNull() });
class Pet extends Model(pets, { app: 'sig' }) {}
class LoudPet extends Model.proxy(Pet, { name: 'LoudPet' }) {}

describe('built-in signals', () => {
  let db: Connection;
  beforeAll(async () => {
    defineApp('sig', { models: [Pet, LoudPet] });
    db = await testDatabase({ models: [Reporter, Article, Publication, Pet] });
  });
  afterAll(() => db.close());
  beforeEach(() => db.truncate());

  it('classPrepared is sent when a model is prepared', () => {
    const prepared: unknown[] = [];
    const off = classPrepared.connect(({ sender }) => void prepared.push(sender));
    class Late extends Model(pgTable('sig_late', { id: serial('id').primaryKey() }), { app: 'sig' }) {}
    void Late._meta;
    off();
    expect(prepared).toEqual([Late]);
  });

  it('preInit/postInit for every instance built, from the database too', async () => {
    const log: string[] = [];
    const off = [
      preInit.connect(({ kwargs }) => void log.push(`pre ${JSON.stringify(kwargs)}`), { sender: Pet }),
      postInit.connect(({ instance }) => void log.push(`post ${(instance as Pet).name}`), { sender: Pet }),
    ];
    const pet = new Pet({ name: 'Rex' });
    await pet.save();
    await Pet.objects.get({ name: 'Rex' });
    off.forEach((o) => o());
    expect(log[0]).toBe('pre {"name":"Rex"}');
    expect(log[1]).toBe('post Rex');
    expect(log.slice(2)).toEqual([`pre {"id":${pet.id},"name":"Rex"}`, 'post Rex']);
  });

  it('preSave/postSave carry created, raw, updateFields and using; a throwing preSave stops the save', async () => {
    const payloads: unknown[] = [];
    const off = [
      preSave.connect(({ instance, raw, using, updateFields }) => void payloads.push(['pre', (instance as Pet).name, raw, using, updateFields && [...updateFields]]), { sender: Pet }),
      postSave.connect(({ created, updateFields }) => void payloads.push(['post', created, updateFields && [...updateFields]]), { sender: Pet }),
    ];
    const pet = await Pet.objects.create({ name: 'A' });
    pet.name = 'B';
    await pet.save({ updateFields: ['name'] });
    off.forEach((o) => o());
    expect(payloads).toEqual([
      ['pre', 'A', false, 'default', null],
      ['post', true, null],
      ['pre', 'B', false, 'default', ['name']],
      ['post', false, ['name']],
    ]);
    const stop = preSave.connect(() => {
      throw new Error('no saving');
    }, { sender: Pet });
    await expect(Pet.objects.create({ name: 'Blocked' })).rejects.toThrow('no saving');
    stop();
    expect(await Pet.objects.filter({ name: 'Blocked' }).exists()).toBe(false);
  });

  it('proxy models are their own senders', async () => {
    const senders: unknown[] = [];
    const off = postSave.connect(({ sender }) => void senders.push(sender));
    await Pet.objects.create({ name: 'plain' });
    await LoudPet.objects.create({ name: 'loud' });
    off();
    expect(senders).toEqual([Pet, LoudPet]);
  });

  it('update(), bulkCreate, bulkUpdate and m2m set() send no save signals', async () => {
    let saves = 0;
    const off = [preSave.connect(() => void saves++), postSave.connect(() => void saves++)];
    const [a] = await Pet.objects.bulkCreate([new Pet({ name: 'x' })]);
    await Pet.objects.update({ name: 'y' });
    a!.name = 'z';
    await Pet.objects.bulkUpdate([a!], ['name']);
    off.forEach((o) => o());
    expect(saves).toBe(0);
  });

  it('preDelete/postDelete per object with the origin: the instance or the QuerySet', async () => {
    const log: string[] = [];
    const off = [
      preDelete.connect(({ instance, origin }) => void log.push(`pre ${(instance as Pet).name} ${origin === instance ? 'instance' : 'queryset'}`), { sender: Pet }),
      postDelete.connect(({ instance }) => void log.push(`post ${(instance as Pet).name}`), { sender: Pet }),
    ];
    const one = await Pet.objects.create({ name: 'one' });
    await one.delete();
    await Pet.objects.bulkCreate([new Pet({ name: 'a' }), new Pet({ name: 'b' })]);
    await Pet.objects.all().delete();
    off.forEach((o) => o());
    expect(log).toEqual(['pre one instance', 'post one', 'pre a queryset', 'pre b queryset', 'post b', 'post a']);
  });

  it('m2mChanged: all six actions, reverse, model and pkSet; set() is remove + add, set(clear) is clear + add', async () => {
    const r = await Reporter.objects.create({ firstName: 'R', lastName: 'R' });
    const article = await Article.objects.create({ headline: 'h', pubDate: new Date(), reporter: r });
    const [p1, p2, p3] = await Promise.all(['a', 'b', 'c'].map((title) => Publication.objects.create({ title })));
    const through = Article._meta.getField('publications').through;
    const events: Array<[string, boolean, string, number[] | null]> = [];
    const off = m2mChanged.connect(({ action, reverse, model, pkSet }) => {
      events.push([action, reverse, (model as { name: string }).name, pkSet ? [...pkSet].map(Number).sort((x, y) => x - y) : null]);
    }, { sender: through });
    await article.publications.add(p1!, p2!);
    await article.publications.add(p1!, p3!);
    await article.publications.remove(p2!);
    await p1!.articleSet.set([]);
    await article.publications.set([p1!], { clear: true });
    off();
    expect(events).toEqual([
      ['pre_add', false, 'Publication', [p1!.id, p2!.id]],
      ['post_add', false, 'Publication', [p1!.id, p2!.id]],
      ['pre_add', false, 'Publication', [p3!.id]],
      ['post_add', false, 'Publication', [p3!.id]],
      ['pre_remove', false, 'Publication', [p2!.id]],
      ['post_remove', false, 'Publication', [p2!.id]],
      ['pre_remove', true, 'Article', [article.id]],
      ['post_remove', true, 'Article', [article.id]],
      ['pre_clear', false, 'Publication', null],
      ['post_clear', false, 'Publication', null],
      ['pre_add', false, 'Publication', [p1!.id]],
      ['post_add', false, 'Publication', [p1!.id]],
    ]);
  });
});
