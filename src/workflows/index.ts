// The workflows the worker runs, one per file; re-exported explicitly (no
// barrel wildcards) so the bundler cannot drop one.
export {};
