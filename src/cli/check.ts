/**
 * `djazzle check [app…]`: Django's system checks: model definitions (relations resolve, reverse
 * accessors do not clash, tables are not shared), and migrations (the graph is whole, has no
 * conflicts, and describes the models: what `makemigrations --check` verifies).
 */
import { DjazzleError } from '../core/errors.js';
import { MigrationGraph } from '../migrations/graph.js';
import { makeMigrations } from '../migrations/make.js';
import { describeOperation } from '../migrations/operations.js';
import type { Options } from '../models/options.js';
import { apps as registry } from '../models/registry.js';
import type { Command } from './command.js';

interface Issue {
  level: 'ERROR' | 'WARNING';
  obj: string;
  id: string;
  msg: string;
}

export const check: Command = {
  name: 'check',
  summary: 'Checks the entire djazzle project for potential problems.',
  args: '[app_label ...]',
  options: {
    'fail-level': { type: 'string', help: 'ERROR (default) or WARNING: the level that makes the exit status non-zero', value: '<level>' },
  },
  async run(ctx, { positionals, values }) {
    const issues: Issue[] = [];
    let config;
    try {
      config = await ctx.config();
    } catch (error) {
      if (!(error instanceof DjazzleError)) throw error;
      issues.push({ level: 'ERROR', obj: '?', id: 'djazzle.E001', msg: error.message });
    }
    if (config) {
      const labels = positionals.length > 0 ? positionals : config.labels;
      for (const label of labels) {
        if (!config.labels.includes(label)) issues.push({ level: 'ERROR', obj: label, id: 'djazzle.E002', msg: `No installed app with label '${label}'.` });
      }
      try {
        registry.ensureReady();
        checkModels(config.labels, labels, issues);
      } catch (error) {
        if (!(error instanceof DjazzleError)) throw error;
        issues.push({ level: 'ERROR', obj: '?', id: 'models.E000', msg: error.message });
      }
      try {
        const migrations = await ctx.migrations();
        const graph = new MigrationGraph(migrations);
        const conflicts = graph.conflicts();
        for (const [app, names] of conflicts) {
          issues.push({ level: 'ERROR', obj: app, id: 'migrations.E001', msg: `Conflicting migrations detected; multiple leaf nodes in the migration graph: (${names.join(', ')} in ${app}).` });
        }
        if (conflicts.size === 0) {
          const result = await makeMigrations({ migrations, installed: config.labels, apps: labels.filter((l) => config.labels.includes(l)) });
          for (const { migration } of result.migrations) {
            const ops = migration.operations.map((op) => describeOperation(op)).join('; ');
            issues.push({
              level: 'ERROR',
              obj: migration.app,
              id: 'migrations.E002',
              msg: `Your models in app '${migration.app}' have changes that are not yet reflected in a migration (${ops}). Run 'djazzle makemigrations'.`,
            });
          }
        }
      } catch (error) {
        if (!(error instanceof DjazzleError) && !(error instanceof TypeError)) throw error;
        issues.push({ level: 'ERROR', obj: 'migrations', id: 'migrations.E000', msg: error.message });
      }
    }
    const failLevel = values['fail-level'] === 'WARNING' ? 'WARNING' : 'ERROR';
    const { io } = ctx;
    if (issues.length === 0) {
      io.out('System check identified no issues (0 silenced).');
      return 0;
    }
    io.err('System check identified some issues:');
    for (const level of ['ERROR', 'WARNING'] as const) {
      const mine = issues.filter((i) => i.level === level);
      if (mine.length === 0) continue;
      io.err('');
      io.err(`${level}S:`);
      for (const issue of mine) io.err(`${issue.obj}: (${issue.id}) ${issue.msg}`);
    }
    io.err('');
    io.err(`System check identified ${issues.length} issue${issues.length === 1 ? '' : 's'} (0 silenced).`);
    const failing = issues.some((i) => i.level === 'ERROR' || failLevel === 'WARNING');
    return failing ? 1 : 0;
  },
};

function checkModels(installed: readonly string[], labels: readonly string[], issues: Issue[]): void {
  const tables = new Map<string, string[]>();
  for (const model of registry.getModels({ includeAutoCreated: true })) {
    const meta = model._meta as Options;
    if (!labels.includes(meta.appLabel)) continue;
    if (!meta.proxy) tables.set(meta.dbTable, [...(tables.get(meta.dbTable) ?? []), meta.label]);
    for (const field of meta.getFields()) {
      if (!field.isRelation || field.isReverse || !field.relatedModel) continue;
      const target = field.relatedModel._meta as Options;
      if (!installed.includes(target.appLabel)) {
        issues.push({
          level: 'ERROR',
          obj: `${meta.label}.${field.name}`,
          id: 'fields.E300',
          msg: `Field defines a relation with model '${target.label}', which is either not installed, or is abstract.`,
        });
      }
    }
  }
  for (const [table, models] of tables) {
    if (models.length > 1) issues.push({ level: 'ERROR', obj: table, id: 'models.E028', msg: `db_table '${table}' is used by multiple models: ${models.join(', ')}.` });
  }
}
