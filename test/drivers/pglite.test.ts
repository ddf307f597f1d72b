/** The shared suite on the default driver: in-process PGlite (`memory://`), one database per connection. */
import { connect } from 'djazzle';
import { sharedSuite } from '../shared/index.js';

let opened = 0;
sharedSuite('pglite', () => connect('memory://', { alias: `pglite-${++opened}` }));
