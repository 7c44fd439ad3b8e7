package diskdb

import (
	"errors"
	"strings"
)

// ErrNil is returned when the server answers with a nil reply: GET of a missing
// key, LPOP of an empty list, a blocking command that timed out, or SET with NX
// or XX whose condition did not hold. It is a normal outcome, not a failure, so
// callers compare against it with errors.Is(err, diskdb.ErrNil).
var ErrNil = errors.New("diskdb: nil reply")

// ErrWrongType matches (with errors.Is) the server's WRONGTYPE error: a command
// was used on a key holding another kind of value. The error actually returned
// is an *Error carrying the server's exact text.
var ErrWrongType = errors.New("WRONGTYPE Operation against a key holding the wrong kind of value")

// ErrNoScript matches (with errors.Is) the server's NOSCRIPT error: EvalSha
// named a script the server does not have (never loaded, or dropped by
// SCRIPT FLUSH). Script.Run handles it by sending the script's text.
var ErrNoScript = errors.New("NOSCRIPT No matching script. Please use EVAL.")

// ErrAuth matches (with errors.Is) every authentication failure: a rejected
// password at connect time, and NOAUTH or WRONGPASS replies afterwards.
var ErrAuth = errors.New("diskdb: authentication failed")

// ErrClosed is returned by every call on a DB after Close.
var ErrClosed = errors.New("diskdb: client is closed")

// Error is an error reply sent by the server ("-ERR ...", "-WRONGTYPE ...").
// A server error is an answer, not a broken connection: the connection stays
// in the pool.
type Error struct {
	// Msg is the full text the server sent, without the leading '-'.
	Msg string
}

func (e *Error) Error() string { return e.Msg }

// Code is the first word of the message when it is an upper-case error code
// such as "ERR", "WRONGTYPE" or "NOAUTH", and "" otherwise.
func (e *Error) Code() string {
	code := e.Msg
	if i := strings.IndexByte(code, ' '); i >= 0 {
		code = code[:i]
	}
	if code == "" || strings.ToUpper(code) != code {
		return ""
	}
	return code
}

// Is lets errors.Is match the sentinels that stand for a family of server
// errors, while errors.As(err, **Error) still gives the exact text.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrWrongType:
		return e.Code() == "WRONGTYPE"
	case ErrNoScript:
		return e.Code() == "NOSCRIPT"
	case ErrAuth:
		switch e.Code() {
		case "NOAUTH", "WRONGPASS":
			return true
		}
	}
	return false
}

// argError is an argument this client cannot encode. Nothing was sent, so the
// connection is still in a known state and goes back to the pool.
type argError struct{ msg string }

func (e *argError) Error() string { return "diskdb: " + e.msg }

// protocolError is a reply that is not valid RESP. The connection's byte stream
// can no longer be trusted, so the connection is discarded.
type protocolError struct{ msg string }

func (e *protocolError) Error() string { return "diskdb: protocol error: " + e.msg }

// authError is a rejected AUTH at connect time. It matches ErrAuth and unwraps
// to the server's *Error, so both errors.Is and errors.As work on it.
type authError struct{ err *Error }

func (e *authError) Error() string        { return "diskdb: authentication failed: " + e.err.Msg }
func (e *authError) Is(target error) bool { return target == ErrAuth }
func (e *authError) Unwrap() error        { return e.err }
