#!/usr/bin/env node
/**
 * The `djazzle` command. djazzle ships TypeScript (its own sources, and a project's
 * djazzle.config.ts, models and migrations are TypeScript too), and Node 20 cannot run it
 * unaided, so tsx's loader is registered first (tsx is a runtime dependency for this reason).
 */
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
process.exit(code);
