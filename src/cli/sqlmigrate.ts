/** `djazzle sqlmigrate app migration`: Django's `sqlmigrate`, the SQL a migration runs. */
import { NodeNotFoundError } from '../migrations/errors.js';
import { sqlMigrate } from '../migrations/show.js';
import { type Command, CommandError, flag } from './command.js';

export const sqlmigrate: Command = {
  name: 'sqlmigrate',
  summary: 'Prints the SQL statements for the named migration.',
  args: 'app_label migration_name',
  options: {
    backwards: { type: 'boolean', help: 'creates SQL to unapply the migration, rather than to apply it' },
  },
  async run(ctx, { positionals, values }) {
    const [app, name] = positionals;
    if (app === undefined || name === undefined || positionals.length > 2) throw new CommandError('Usage: djazzle sqlmigrate app_label migration_name', { exitCode: 2 });
    const config = await ctx.config();
    if (!config.labels.includes(app)) throw new CommandError(`App '${app}' could not be found. Is it in installedApps?`);
    const migrations = await ctx.migrations();
    if (!migrations.some((m) => m.app === app)) throw new CommandError(`App '${app}' does not have migrations`);
    try {
      for (const line of sqlMigrate({ migrations, app, name, backwards: flag(values['backwards']) })) ctx.io.out(line);
    } catch (error) {
      if (error instanceof NodeNotFoundError) throw new CommandError(error.message);
      throw error;
    }
    return 0;
  },
};
