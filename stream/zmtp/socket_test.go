package zmtp

import (
	"errors"
	"testing"
)

func TestSubscriptions(t *testing.T) {
	s := &Subscriptions{MaxTopics: 2, MaxTopicSize: 4}
	if s.Matches([]byte("abc")) {
		t.Fatal("matches before any subscription")
	}
	if sub, err := s.Handle([][]byte{{1, 'a'}}); !sub || err != nil {
		t.Fatalf("subscribe: %v %v", sub, err)
	}
	if !s.Matches([]byte("abc")) || s.Matches([]byte("xbc")) {
		t.Fatal("prefix match wrong")
	}
	if sub, _ := s.Handle([][]byte{{0, 'a'}}); sub || s.Matches([]byte("abc")) {
		t.Fatal("cancel not applied")
	}
	var le *LimitError
	if _, err := s.Handle([][]byte{{1, 'l', 'o', 'n', 'g', '!'}}); !errors.As(err, &le) {
		t.Fatalf("long topic: %v", err)
	}
	s.Handle([][]byte{{1}})
	s.Handle([][]byte{{1, 'b'}})
	if _, err := s.Handle([][]byte{{1}}); !errors.As(err, &le) {
		t.Fatalf("third topic: %v", err)
	}
	if sub, err := s.Handle([][]byte{{1}, {2}}); sub || err != nil {
		t.Fatal("a two-frame message is not a subscription")
	}
}

func TestRequester(t *testing.T) {
	r := NewRequester(7)
	first := append([][]byte(nil), r.Request([]byte("a"))...)
	if len(first) != 3 || len(first[1]) != 0 || string(first[2]) != "a" {
		t.Fatalf("request %q", first)
	}
	old := append([]byte(nil), first[0]...)
	cur := r.Request([]byte("b"))[0]
	if _, stale, _ := r.Reply([][]byte{old, nil, []byte("x")}); !stale {
		t.Fatal("reply to an earlier request taken")
	}
	body, stale, err := r.Reply([][]byte{cur, nil, []byte("y")})
	if stale || err != nil || len(body) != 1 || string(body[0]) != "y" {
		t.Fatalf("reply: %q %v %v", body, stale, err)
	}
	if _, _, err := r.Reply([][]byte{[]byte("no delimiter")}); !errors.Is(err, ErrNoEnvelope) {
		t.Fatalf("no envelope: %v", err)
	}
}
