package server

import "github.com/secuprint/receipt/printers/station"

// Stations are the configured printers' stations, in configuration
// order: what a fleet site offers its hubs.
func (s *Server) Stations() []*station.Station { return s.stations }
