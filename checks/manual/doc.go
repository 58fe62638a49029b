// Package manual is the check for checklist items a person confirms (the
// feedback book is in place, posters are current): pending until a named
// member of staff confirms it for today, or reports a problem.
package manual
