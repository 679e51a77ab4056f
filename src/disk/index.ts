/** The local disk: whether a path exists, and the fsyncs that make a file or a rename durable. */
export { exists } from './exists.js';
export { syncDir, syncFile } from './durable.js';
