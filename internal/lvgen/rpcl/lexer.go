package rpcl

import (
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// tokKind classifies a token.
type tokKind int

const (
	tokEOF    tokKind = iota
	tokIdent          // identifiers and keywords
	tokNumber         // integer literals, possibly negative
	tokPunct          // one of { } ( ) [ ] < > ; , : = *
)

// comment is a block or line comment with the position of its first byte.
type comment struct {
	pos  Pos
	text string // the full comment including its delimiters
}

// token is one lexical token. Comment is the last comment that appeared
// after the previous token and before this one, or nil; a '%' line in
// between clears it, so only a comment directly in front of the token is
// attached.
type token struct {
	kind    tokKind
	text    string
	pos     Pos
	num     int64 // value of a tokNumber
	comment *comment
}

// describe renders the token for the Found part of an Error.
func (t token) describe() string {
	if t.kind == tokEOF {
		return "end of file"
	}
	return quoteText(t.text)
}

// quoteText wraps source text in single quotes, shortening very long text
// so error messages stay readable.
func quoteText(s string) string {
	const max = 40
	if len(s) > max {
		s = s[:max] + "..."
	}
	return "'" + s + "'"
}

// lexer turns the bytes of a .x file into tokens. Columns count bytes.
type lexer struct {
	src  []byte
	file string
	off  int
	line int
	col  int
	// atLineStart is true while only blanks have been seen on the current
	// line, which is where a '%' pass-through line may begin.
	atLineStart bool
	passthrough []string
}

func newLexer(file string, src []byte) *lexer {
	return &lexer{src: src, file: file, line: 1, col: 1, atLineStart: true}
}

func (l *lexer) pos() Pos { return Pos{File: l.file, Line: l.line, Col: l.col} }

// advance consumes one byte, keeping line and column up to date.
func (l *lexer) advance() {
	if l.src[l.off] == '\n' {
		l.line++
		l.col = 1
		l.atLineStart = true
	} else {
		l.col++
		if l.src[l.off] != ' ' && l.src[l.off] != '\t' && l.src[l.off] != '\r' {
			l.atLineStart = false
		}
	}
	l.off++
}

func (l *lexer) peekByte(ahead int) byte {
	if l.off+ahead < len(l.src) {
		return l.src[l.off+ahead]
	}
	return 0
}

// next returns the next token, or an *Error for an unterminated comment,
// a malformed number or a character that cannot start a token.
func (l *lexer) next() (token, error) {
	var last *comment
	for l.off < len(l.src) {
		c := l.src[l.off]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v':
			l.advance()
		case c == '%' && l.atLineStart:
			l.advance()
			start := l.off
			for l.off < len(l.src) && l.src[l.off] != '\n' {
				l.advance()
			}
			text := string(l.src[start:l.off])
			if n := len(text); n > 0 && text[n-1] == '\r' {
				text = text[:n-1]
			}
			l.passthrough = append(l.passthrough, text)
			last = nil
		case c == '/' && l.peekByte(1) == '*':
			cm, err := l.blockComment()
			if err != nil {
				return token{}, err
			}
			last = cm
		case c == '/' && l.peekByte(1) == '/':
			p, start := l.pos(), l.off
			for l.off < len(l.src) && l.src[l.off] != '\n' {
				l.advance()
			}
			last = &comment{pos: p, text: string(l.src[start:l.off])}
		default:
			tok, err := l.scanToken()
			tok.comment = last
			return tok, err
		}
	}
	return token{kind: tokEOF, pos: l.pos(), comment: last}, nil
}

// blockComment consumes a "/* ... */" comment starting at the current
// offset.
func (l *lexer) blockComment() (*comment, error) {
	p, start := l.pos(), l.off
	l.advance()
	l.advance()
	for l.off < len(l.src) {
		if l.src[l.off] == '*' && l.peekByte(1) == '/' {
			l.advance()
			l.advance()
			return &comment{pos: p, text: string(l.src[start:l.off])}, nil
		}
		l.advance()
	}
	return nil, &Error{Pos: p, Expected: "'*/' to close the comment", Found: "end of file"}
}

func isLetter(c byte) bool { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// scanToken scans an identifier, number or punctuation character at the
// current offset, which is not blank and not the start of a comment.
func (l *lexer) scanToken() (token, error) {
	p, start := l.pos(), l.off
	c := l.src[l.off]
	switch {
	case isLetter(c):
		for l.off < len(l.src) && (isLetter(l.src[l.off]) || isDigit(l.src[l.off])) {
			l.advance()
		}
		return token{kind: tokIdent, text: string(l.src[start:l.off]), pos: p}, nil
	case isDigit(c) || (c == '-' && isDigit(l.peekByte(1))):
		l.advance()
		for l.off < len(l.src) && (isLetter(l.src[l.off]) || isDigit(l.src[l.off])) {
			l.advance()
		}
		text := string(l.src[start:l.off])
		n, err := parseNumber(text)
		if err != "" {
			return token{}, &Error{Pos: p, Expected: err, Found: quoteText(text)}
		}
		return token{kind: tokNumber, text: text, pos: p, num: n}, nil
	}
	switch c {
	case '{', '}', '(', ')', '[', ']', '<', '>', ';', ',', ':', '=', '*':
		l.advance()
		return token{kind: tokPunct, text: string(c), pos: p}, nil
	}
	return token{}, &Error{Pos: p, Expected: "a token", Found: describeChar(l.src[l.off:])}
}

// describeChar quotes the (possibly invalid UTF-8) character at the start
// of b.
func describeChar(b []byte) string {
	r, size := utf8.DecodeRune(b)
	if r == utf8.RuneError && size <= 1 {
		return fmt.Sprintf("byte 0x%02x", b[0])
	}
	return fmt.Sprintf("%q", r)
}

// parseNumber converts an RPCL integer literal: decimal, hexadecimal with
// a 0x prefix or octal with a leading 0, optionally preceded by '-'. On
// failure it returns a description of what was expected instead.
func parseNumber(text string) (int64, string) {
	neg := false
	digits := text
	if digits[0] == '-' {
		neg = true
		digits = digits[1:]
	}
	base := 10
	what := "a decimal number"
	switch {
	case len(digits) >= 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'):
		base, digits, what = 16, digits[2:], "a hexadecimal number"
	case len(digits) >= 2 && digits[0] == '0':
		base, digits, what = 8, digits[1:], "an octal number"
	}
	if digits == "" {
		return 0, what
	}
	for i := 0; i < len(digits); i++ {
		if !validDigit(digits[i], base) {
			return 0, what
		}
	}
	u, err := strconv.ParseUint(digits, base, 64)
	if err != nil {
		return 0, what + " within 64 bits"
	}
	if neg {
		if u > 1<<63 {
			return 0, what + " within 64 bits"
		}
		return int64(-u), "" // wraps correctly for -1<<63
	}
	if u > math.MaxInt64 {
		return 0, what + " within 64 bits"
	}
	return int64(u), ""
}

func validDigit(c byte, base int) bool {
	switch base {
	case 8:
		return c >= '0' && c <= '7'
	case 16:
		return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
	}
	return isDigit(c)
}
