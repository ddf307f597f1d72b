/** Type tests: query results are typed by the model, values() by the fields named, lookups checked. */
import { describe, expectTypeOf, it } from 'vitest';
import type { Manager, QuerySet, RelatedManager } from 'djazzle';
import { Article, Publication, Reporter } from './fixtures/news.js';
import { Item } from './fixtures/catalog.js';

describe('typed results', () => {
  it('awaiting a QuerySet gives model instances', async () => {
    expectTypeOf(await Article.objects.filter({ headline: 'x' })).toEqualTypeOf<Article[]>();
    expectTypeOf(await Article.objects.all().orderBy('-pubDate').slice(0, 5)).toEqualTypeOf<Article[]>();
    expectTypeOf(await Reporter.objects.get({ pk: 1 })).toEqualTypeOf<Reporter>();
    expectTypeOf(await Reporter.objects.first()).toEqualTypeOf<Reporter | null>();
    expectTypeOf(Article.objects).toEqualTypeOf<Manager<Article>>();
  });

  it('instances carry columns, subclass members and relations', async () => {
    const reporter = await Reporter.objects.get({ pk: 1 });
    expectTypeOf(reporter.firstName).toEqualTypeOf<string>();
    expectTypeOf(reporter.email).toEqualTypeOf<string | null>();
    expectTypeOf(reporter.fullName).toEqualTypeOf<string>();
    expectTypeOf(reporter.articles).toEqualTypeOf<RelatedManager<Article>>();
    const article = await Article.objects.get({ pk: 1 });
    expectTypeOf(article.pubDate).toEqualTypeOf<Date>();
    expectTypeOf(article.reporter).toEqualTypeOf<Reporter | null>();
    expectTypeOf(article.publications).toEqualTypeOf<RelatedManager<Publication>>();
  });

  it('values() is typed by the fields named', async () => {
    const rows = await Article.objects.values('id', 'headline');
    expectTypeOf(rows).toEqualTypeOf<{ id: number; headline: string }[]>();
    const spanning = await Article.objects.values('reporter__firstName');
    expectTypeOf(spanning).toEqualTypeOf<{ reporter__firstName: unknown }[]>();
  });

  it('create and getOrCreate return instances', async () => {
    expectTypeOf(await Reporter.objects.create({ firstName: 'a', lastName: 'b' })).toEqualTypeOf<Reporter>();
    expectTypeOf(await Reporter.objects.getOrCreate({ firstName: 'a' })).toEqualTypeOf<[Reporter, boolean]>();
    expectTypeOf(Item.objects.filter({ quantity__gt: 1 })).toEqualTypeOf<QuerySet<Item, Item>>();
  });
});

describe('lookup keys are checked at compile time on the model’s own fields', () => {
  it('accepts fields, lookups, transforms and spanning paths', () => {
    Article.objects.filter({ headline__icontains: 'x', pubDate__year__gte: 2005, id__in: [1], pk: 1 });
    Article.objects.filter({ reporter__firstName__icontains: 'x' });
    Reporter.objects.filter({ articles__headline: 'x' });
    Item.objects.exclude({ quantity__isnull: true });
  });

  it('rejects unknown fields and lookups', () => {
    // @ts-expect-error unknown field
    Article.objects.filter({ headlin: 'x' });
    // @ts-expect-error unknown lookup on an own column
    Article.objects.filter({ headline__icontain: 'x' });
    // @ts-expect-error unknown field in get()
    void Reporter.objects.get({ firstname: 'x' });
    // @ts-expect-error unknown lookup in exclude()
    Item.objects.exclude({ quantity__greater: 1 });
  });
});
