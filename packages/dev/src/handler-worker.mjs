// The entry of a watch-mode worker. It registers tsx itself: Node 20 does not apply the parent's
// --import hooks to workers, and the worker is started with no execArgv so none apply twice.
import { register } from 'tsx/esm/api';

register();
await import('./handler-worker.ts');
