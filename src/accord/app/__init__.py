"""Use cases: load what a question needs (bundled data, files, stores), call the pure core and
return result objects. The CLI and the HTTP service call these; they never do maths or build JSON."""
