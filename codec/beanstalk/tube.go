package beanstalk

// MaxTubeNameLen is the longest tube name beanstalkd accepts, in bytes.
const MaxTubeNameLen = 200

// nameChars marks the bytes allowed in a name: letters, digits and
// - + / ; . $ _ ( ).
var nameChars = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "-+/;.$_()" {
		t[c] = true
	}
	return t
}()

// ValidateTubeName checks name against the protocol's rules for names: 1 to
// [MaxTubeNameLen] bytes of letters, digits and the characters - + / ; . $ _
// ( ), not starting with a hyphen. It returns nil or an [*ArgError] that
// matches [ErrInvalidTubeName].
func ValidateTubeName(name string) error {
	if r := tubeNameProblem(name); r != "" {
		return &ArgError{Arg: "tube", Reason: r, Err: ErrInvalidTubeName}
	}
	return nil
}

func tubeNameProblem(name string) string {
	switch {
	case name == "":
		return "empty name"
	case len(name) > MaxTubeNameLen:
		return "longer than " + itoa(MaxTubeNameLen) + " bytes"
	case name[0] == '-':
		return "starts with a hyphen"
	}
	for i := 0; i < len(name); i++ {
		if !nameChars[name[i]] {
			return "character " + quoteByte(name[i]) + " not allowed"
		}
	}
	return ""
}

func validTubeBytes(b []byte) bool {
	if len(b) == 0 || len(b) > MaxTubeNameLen || b[0] == '-' {
		return false
	}
	for _, c := range b {
		if !nameChars[c] {
			return false
		}
	}
	return true
}

func quoteByte(c byte) string {
	const hex = "0123456789abcdef"
	if c >= 0x20 && c < 0x7f && c != '\'' && c != '\\' {
		return "'" + string(rune(c)) + "'"
	}
	return "0x" + string([]byte{hex[c>>4], hex[c&15]})
}
