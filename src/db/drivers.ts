/**
 * The driver registry. Drivers are leaves: the public entry points register lazy loaders
 * (`() => import('./pglite/index.js')`) so that a Worker bundle never contains PGlite.
 */
import { ImproperlyConfigured } from '../core/errors.js';
import type { DriverLoader, DriverName } from './driver.js';

const loaders = new Map<DriverName, DriverLoader>();

export function registerDriver(name: DriverName, loader: DriverLoader): void {
  loaders.set(name, loader);
}

export function driverLoader(name: DriverName): DriverLoader {
  const loader = loaders.get(name);
  if (!loader) {
    const available = [...loaders.keys()].join(', ') || 'none';
    const hint = name === 'pg' ? " Inside workerd, import 'djazzle/drivers/pg' to add it." : '';
    throw new ImproperlyConfigured(`The '${name}' driver is not available in this build (available: ${available}).${hint}`);
  }
  return loader;
}
