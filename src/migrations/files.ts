/**
 * Migration folders on disk (Node only): Django's `MigrationLoader` reading `<app>/migrations`,
 * and the writer side of `makemigrations`. Node modules are imported lazily through computed
 * specifiers, so bundling `djazzle/migrations` into a Worker (which gets its migrations as
 * imported modules) never pulls the file system in.
 *
 * A migration file is `NNNN_name.ts` (or `.js`, `.mts`, `.mjs`) whose default export is the
 * migration; `index.ts` lists them all for bundling and is rewritten by `makemigrations`.
 * Importing `.ts` files needs a TypeScript loader: the `djazzle` command registers tsx's; in your
 * own scripts run Node with `--import tsx` (or use a bundler), or import the folders' `index.ts`.
 */
import { BadMigrationError } from './errors.js';
import { normalizeMigrations, type Migration } from './migration.js';
import type { PlannedMigration } from './make.js';
import { renderIndex } from './writer.js';

type Fs = typeof import('node:fs/promises');
type Path = typeof import('node:path');
type Url = typeof import('node:url');

const node = <T>(name: string): Promise<T> => import(/* @vite-ignore */ `node:${name}`) as Promise<T>;

export const MIGRATION_FILE = /^(\d{4,}_[A-Za-z0-9_]+)\.(ts|mts|js|mjs)$/;

export interface MigrationFolder {
  readonly app: string;
  /** Absolute path of the folder. */
  readonly dir: string;
}

/** The migration names in `dir` (empty when the folder does not exist). */
export async function migrationNames(dir: string): Promise<Map<string, string>> {
  const fs = await node<Fs>('fs/promises');
  const path = await node<Path>('path');
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return new Map();
    throw error;
  }
  const out = new Map<string, string>();
  for (const entry of entries.sort()) {
    const match = MIGRATION_FILE.exec(entry);
    if (!match) continue;
    const name = match[1]!;
    if (out.has(name)) throw new BadMigrationError(`Two files hold migration '${name}' in ${dir}.`);
    out.set(name, path.join(dir, entry));
  }
  return out;
}

/** Imports every migration of every folder, checking that each file holds the migration its name says. */
export async function loadMigrations(folders: readonly MigrationFolder[]): Promise<Migration[]> {
  const url = await node<Url>('url');
  const out: Migration[] = [];
  for (const folder of folders) {
    for (const [name, file] of await migrationNames(folder.dir)) {
      let module: unknown;
      try {
        module = await import(/* @vite-ignore */ url.pathToFileURL(file).href);
      } catch (error) {
        throw new BadMigrationError(`Migration ${folder.app}.${name} (${file}) could not be imported: ${(error as Error).message}`, { cause: error });
      }
      const exported = (module as { default?: unknown }).default;
      if (!exported || typeof exported !== 'object' || Array.isArray(exported)) {
        throw new BadMigrationError(`Migration ${folder.app}.${name} (${file}) has no default export: write \`export default defineMigration({ … })\`.`);
      }
      const [migration] = normalizeMigrations([exported as Migration]);
      if (migration!.app !== folder.app || migration!.name !== name) {
        throw new BadMigrationError(`Migration file ${file} holds migration ${migration!.app}.${migration!.name}; expected ${folder.app}.${name} (the app's folder and the file name).`);
      }
      out.push(migration!);
    }
  }
  return out;
}

/** Writes planned migrations into their apps' folders and rewrites each folder's `index.ts`. Answers the paths written. */
export async function writeMigrations(planned: readonly PlannedMigration[], folders: readonly MigrationFolder[]): Promise<string[]> {
  const fs = await node<Fs>('fs/promises');
  const path = await node<Path>('path');
  const written: string[] = [];
  const touched = new Set<MigrationFolder>();
  for (const { migration, source } of planned) {
    const folder = folders.find((f) => f.app === migration.app);
    if (!folder) throw new BadMigrationError(`App '${migration.app}' has no migrations folder.`);
    await fs.mkdir(folder.dir, { recursive: true });
    const file = path.join(folder.dir, `${migration.name}.ts`);
    await fs.writeFile(file, source, { flag: 'wx' }).catch((error: { code?: string }) => {
      if (error.code === 'EEXIST') throw new BadMigrationError(`${file} already exists; not overwriting it.`);
      throw error;
    });
    written.push(file);
    touched.add(folder);
  }
  for (const folder of touched) await writeIndex(folder);
  return written;
}

/** Rewrites `index.ts` of a migrations folder from the files in it. */
export async function writeIndex(folder: MigrationFolder): Promise<string> {
  const fs = await node<Fs>('fs/promises');
  const path = await node<Path>('path');
  const names = [...(await migrationNames(folder.dir)).keys()];
  const file = path.join(folder.dir, 'index.ts');
  await fs.writeFile(file, renderIndex(folder.app, names));
  return file;
}
