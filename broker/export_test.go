// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package broker

// SetOverMemory puts s's memory guard in the state over, as a sample of
// the live heap above Limits.MemoryLimit would, for tests of what the
// server does then.
func SetOverMemory(s *Server, over bool) { s.mem.over.Store(over) }
