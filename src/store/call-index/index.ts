// The list index beside the md5 call files (see db.ts for the choice of SQLite).
export { callIndexListener, reindexStore, type ReindexProgress } from './writer.js';
export { IndexThread } from './index-thread.js';
export { ListedCall, queryIndex, type IndexAnswer, type IndexQuery } from './query.js';
export { indexPath, loadDriver } from './db.js';
