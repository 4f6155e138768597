// Package connectors brings signed statements from organisations into the
// vault, and refuses everything it cannot prove an organisation signed.
//
// It has three ways in: file import (one statement or a bundle), pull from
// an organisation's endpoint after enrolment, and the statements an
// organisation pushes to the inbox. Every way ends in the Importer, which
// verifies against the vault's trust list (package trust) and stores the
// statement in one transaction with its access-log entry.
package connectors
