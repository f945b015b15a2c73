// A worker thread for parallel-read's failure tests: it exits without a word, as a worker stopped
// by its resource limits would.
process.exit(3);
