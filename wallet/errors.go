package wallet

import (
	"errors"
	"fmt"
)

// Errors a caller must be able to tell apart.
var (
	// ErrInvalid marks input that breaks the statement schema or a domain rule.
	ErrInvalid = errors.New("invalid")
	// ErrWrongPassphrase is returned when the passphrase does not open the vault.
	ErrWrongPassphrase = errors.New("wrong passphrase")
	// ErrLocked is returned by operations that need the data key while the vault is locked.
	ErrLocked = errors.New("vault is locked")
	// ErrInUse is returned when another process holds the vault file.
	ErrInUse = errors.New("vault in use by another process")
	// ErrNoVault is returned when the vault has not been created yet.
	ErrNoVault = errors.New("no vault here yet")
	// ErrExists is returned when creating a vault that already exists.
	ErrExists = errors.New("vault already exists")
	// ErrCorrupt is returned when a stored value fails to open: it was edited,
	// moved to another key, or belongs to another vault.
	ErrCorrupt = errors.New("stored value failed authentication")
	// ErrAuditBroken is returned when the event log's hash chain does not hold.
	ErrAuditBroken = errors.New("event log chain broken")
	// ErrNotFound is returned when a record does not exist.
	ErrNotFound = errors.New("not found")
)

// ValidationError names the field that broke a rule. It matches ErrInvalid
// with errors.Is. It never carries the offending value, which may be personal.
type ValidationError struct {
	Field   string
	Problem string
}

// Error names the field and the rule it broke.
func (e *ValidationError) Error() string {
	return fmt.Sprintf("invalid %s: %s", e.Field, e.Problem)
}

// Is reports ErrInvalid.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }
