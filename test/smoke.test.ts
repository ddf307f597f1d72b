import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from 'djazzle/testing';
import type { Connection } from 'djazzle';
import { Article, Publication, Reporter } from './fixtures/news.js';

let db: Connection;
beforeAll(async () => {
  db = await testDatabase({ models: [Reporter, Article, Publication] });
});
afterAll(() => db.close());

describe('smoke', () => {
  it('creates and queries', async () => {
    const r = await Reporter.objects.create({ firstName: 'John', lastName: 'Smith' });
    expect(r.id).toBeTypeOf('number');
    const a = await Article.objects.create({ headline: 'Hello', pubDate: new Date('2005-07-28T00:00:00Z'), reporter: r });
    expect(a.reporterId).toBe(r.id);
    const found = await Article.objects.selectRelated('reporter').get({ reporter__firstName__icontains: 'JOH' });
    expect(found.reporter?.fullName).toBe('John Smith');
    expect(await Reporter.objects.filter({ articles__pubDate__year: 2005 }).count()).toBe(1);
    const p = await Publication.objects.create({ title: 'Science' });
    await a.publications.add(p);
    expect((await a.publications.all()).map((x) => x.title)).toEqual(['Science']);
    expect((await p.articleSet.all()).map((x) => x.headline)).toEqual(['Hello']);
    const [n, by] = await r.delete();
    expect(n).toBe(3);
    expect(by).toEqual({ 'news.Article_publications': 1, 'news.Article': 1, 'news.Reporter': 1 });
  });
});
