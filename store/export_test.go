package store

// SimulateFatal makes every statement on the current DuckDB instance fail as an invalidated
// database does, until the next Reopen. DuckDB offers no way to invalidate a database on
// demand (it happens on a failed log write or an internal error during commit), so tests use
// this hook.
func (db *DB) SimulateFatal() {
	db.connector.simulated.Store(db.connector.gen.Load() + 1)
}
