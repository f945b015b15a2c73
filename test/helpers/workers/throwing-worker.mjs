// A worker thread for parallel-read's failure tests: it fails as it starts, as a worker whose
// script cannot load would.
throw new Error('the worker broke');
