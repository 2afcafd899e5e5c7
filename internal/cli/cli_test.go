package cli

import (
	"reflect"
	"testing"
)

func TestParsePorts(t *testing.T) {
	got, err := ParsePorts(" 5577, 5578,")
	if err != nil || !reflect.DeepEqual(got, []int{5577, 5578}) {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range []string{"x", "0", "70000", "55a"} {
		if _, err := ParsePorts(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestStringList(t *testing.T) {
	var l StringList
	l.Set("a:1,b:2")
	l.Set("c:3")
	if !reflect.DeepEqual([]string(l), []string{"a:1", "b:2", "c:3"}) {
		t.Fatal(l)
	}
}
