package escpos

// The generated tables of codepages_extra.go join escpos-printer-db's own
// (codepages_gen.go, which its generator rewrites) so LookupCodePage and
// KnownCodePages find them; a page the database defines keeps its table.
func init() {
	for name, t := range extraTables {
		if _, ok := dbTables[name]; !ok {
			dbTables[name] = t
		}
	}
}
