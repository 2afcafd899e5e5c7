package stream

import (
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/picam-project/picam/fanout"
	"github.com/picam-project/picam/stream/curve"
)

// Pattern is NetGear's messaging pattern. Multi-client and multi-server mode support 1 and 2;
// pattern 0 is for one server and one client.
type Pattern int

const (
	// Pair is NetGear pattern 0, its default: PAIR to PAIR, one server and one client. As in
	// pattern 1 the client answers every frame (no REQ envelope) and the server waits for the
	// answer; a terminate is not answered.
	Pair Pattern = 0
	// ReqRep is NetGear pattern 1: the server's REQ sends a frame and waits for the client's
	// REP reply, which may carry data back.
	ReqRep Pattern = 1
	// PubSub is NetGear pattern 2: the server publishes, clients subscribe; no replies.
	PubSub Pattern = 2
)

// String is the pattern's number as NetGear writes it in the header.
func (p Pattern) String() string { return strconv.Itoa(int(p)) }

// Delivery decides which clients get a frame.
type Delivery int

const (
	// Broadcast gives every client every frame it can keep up with (picam's default).
	Broadcast Delivery = iota
	// RoundRobin gives each frame to one client in turn, as NetGear's single REQ socket does in
	// pattern 1; useful to spread work over several consumers.
	RoundRobin
)

// String names the delivery mode as the command line spells it.
func (d Delivery) String() string {
	if d == RoundRobin {
		return "round-robin"
	}
	return "broadcast"
}

// ParseDelivery accepts "broadcast" and "round-robin".
func ParseDelivery(s string) (Delivery, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "broadcast", "":
		return Broadcast, nil
	case "round-robin", "roundrobin", "rr":
		return RoundRobin, nil
	}
	return 0, fmt.Errorf("unknown delivery %q: use broadcast or round-robin", s)
}

// Wait says how many clients must be connected before transmission starts. Zero means all.
type Wait int

// WaitAny starts as soon as one client is connected.
const WaitAny Wait = -1

// ParseWait accepts "all", "any" or a positive number.
func ParseWait(s string) (Wait, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "all", "":
		return 0, nil
	case "any":
		return WaitAny, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("invalid wait policy %q: use all, any, or a number of clients ≥ 1", s)
	}
	return Wait(n), nil
}

// need is the number of connected clients the policy requires out of total.
func (w Wait) need(total int) int {
	switch {
	case w == 0:
		return total
	case w == WaitAny:
		return 1
	case int(w) > total:
		return total
	}
	return int(w)
}

// String renders the policy as the command line spells it.
func (w Wait) String() string {
	switch w {
	case 0:
		return "all"
	case WaitAny:
		return "any"
	}
	return strconv.Itoa(int(w))
}

// ServerConfig configures a multi-client Server. Clients are given as NetGear does (Address and
// Ports: every client at one address) and/or as Endpoints ("host:port", clients anywhere).
type ServerConfig struct {
	Address   string
	Ports     []int
	Endpoints []string

	Pattern       Pattern
	Bidirectional bool
	// MultiServer is NetGear's Multi-Servers mode on the sending side: exactly one client (a
	// receiver that binds several ports, one per server), and every header and the terminate
	// carry "port": the client's port as a JSON string, by which that receiver tells its
	// servers apart. Without it (and with pattern 1 or 2) the server is a multi-client sender;
	// pattern 0 has exactly one client and no "port".
	MultiServer bool
	Delivery    Delivery
	Wait        Wait

	// JPEGAccurateDCT clears the JPEG header's "dct" flag (NetGear's jpeg_compression_fastdct
	// = False), which tells NetGear receivers to decode with the accurate, slower inverse DCT.
	JPEGAccurateDCT bool

	// RequestTimeout bounds the wait for a pattern-0 or pattern-1 reply (NetGear's
	// request_timeout, 4 s).
	RequestTimeout time.Duration
	// StallAfter marks a client stalled when one send or reply takes longer (default 1 s).
	StallAfter time.Duration
	// WriteTimeout drops and redials a connection whose write takes longer (default 5 s).
	WriteTimeout time.Duration
	// DialTimeout bounds one connection attempt (default 2 s).
	DialTimeout time.Duration
	// RefusalHint ends the error logged when a NetGear client is refused a codec it cannot
	// decode: how the user fixes it (default: stream JPEG or raw to NetGear clients, or
	// receive the codec with a picam client). A command names its flags here.
	RefusalHint string
	// CloseTimeout bounds Close: clients that have not taken their last frame and the
	// terminate by then are cut off (default 5 s).
	CloseTimeout time.Duration
	// RetryMin and RetryMax bound the redial back-off (defaults 100 ms and 250 ms), so a
	// restarted client is reached again within a second.
	RetryMin, RetryMax time.Duration
	// Heartbeat is how long a picam client may go without a frame before it gets a ZMTP PING,
	// so it does not mistake a paused camera for a dead server (default 1 s).
	Heartbeat time.Duration
	// SendBuffer is the kernel send buffer asked for on each client connection (default
	// DefaultSendBuffer; negative keeps the kernel's autotuning). See DefaultSendBuffer.
	SendBuffer int

	// RequestKeyframe asks the encoder for a keyframe soon. The server calls it for an
	// inter-coded stream (H.264, FWHT) when a picam client must wait for a keyframe before it
	// can be sent anything: it has just connected, or it missed a packet the next ones depend
	// on (see Server). It is called from the sender and Send goroutines, so it must be safe
	// for concurrent use and must not block; and since every client that joins or falls
	// behind asks, it should be rate limited (codec.KeyframeLimiter), because a keyframe is
	// several times the size of a P-frame and goes to every client. Nil means there is no way
	// to ask: clients wait for the stream's periodic keyframe. With Hub set it must be nil:
	// the hub's fanout.Config.RequestKeyframe serves every consumer.
	RequestKeyframe func()

	// Hub, when set, is the fan-out the server's senders consume: the caller publishes to it
	// (the camera pipeline, whose packets other outputs consume too), and Send publishes to
	// it as well. Packets published before Ready go to the clients already connected; a
	// caller that wants NetGear's "nothing before every client is there" waits for Ready
	// first. Nil: the server makes its own, fed by Send and closed by Close.
	Hub *fanout.Hub

	// NoClientsOK makes a configuration with no Ports and no Endpoints valid (except in
	// Multi-Server Mode, whose headers carry the one client's port): the server then has no
	// senders, sends to nobody, never becomes Ready and reports no Clients, while FramesSent
	// still counts what is published to the Hub. For a command whose other outputs (RTSP, …)
	// consume the Hub while NetGear is not used at all.
	NoClientsOK bool

	// MaxReplySize bounds one pattern-1 reply, all parts (default DefaultMaxReplySize): a
	// client that sends a bigger one is cut off and counted (ClientStatus.Cut).
	MaxReplySize int64
	// ReplyQueueBytes bounds the replies waiting to be read from Server.Replies (default
	// DefaultReplyQueueBytes); replies beyond it are dropped and counted (RepliesDropped).
	ReplyQueueBytes int64

	// Curve, when set, secures every connection with CURVE as NetGear's secure_mode does: the
	// sender is the CURVE client (see stream/curve). There is never a plaintext fallback: a
	// client that does not complete the CURVE handshake gets nothing.
	Curve curve.Handshaker

	Logger *slog.Logger
}

// DefaultSendBuffer is the kernel send buffer per client connection (SO_SNDBUF; Linux doubles
// it). Frames queued in the kernel are frames the newest-frame mailbox can no longer replace:
// with Linux's autotuning (up to 4 MiB) a client that cannot keep up is handed frames that sat
// in the socket for a long time, and on loopback the deep queue also made every copy miss the
// cache. picam-server flat out, raw 640x480, one picam-client, pattern 2: autotuned 407-523
// frames/s with latency p50 17-23 ms; 256 KiB 721-1352 frames/s with p50 1.1-1.7 ms (make
// bench). 512 KiB in flight per round trip still fills a LAN or Wi-Fi link; raise it for raw
// frames over long-distance links.
const DefaultSendBuffer = 256 << 10

func (c *ServerConfig) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.RequestTimeout, 4*time.Second)
	def(&c.StallAfter, time.Second)
	def(&c.WriteTimeout, 5*time.Second)
	def(&c.DialTimeout, 2*time.Second)
	def(&c.CloseTimeout, 5*time.Second)
	def(&c.RetryMin, 100*time.Millisecond)
	def(&c.RetryMax, 250*time.Millisecond)
	def(&c.Heartbeat, time.Second)
	if c.MaxReplySize <= 0 {
		c.MaxReplySize = DefaultMaxReplySize
	}
	if c.ReplyQueueBytes <= 0 {
		c.ReplyQueueBytes = DefaultReplyQueueBytes
	}
	switch {
	case c.SendBuffer == 0:
		c.SendBuffer = DefaultSendBuffer
	case c.SendBuffer < 0:
		c.SendBuffer = 0 // zmtp.Dial leaves the kernel's autotuning alone
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// endpoints validates the client list and returns each client's dial address and port label.
func (c *ServerConfig) endpoints() ([]endpoint, error) {
	multiClient := c.Pattern != Pair && !c.MultiServer
	if err := checkModes(c.Pattern, c.Bidirectional, multiClient, c.MultiServer); err != nil {
		return nil, err
	}
	if len(c.Ports) == 0 && len(c.Endpoints) == 0 {
		if c.NoClientsOK && !c.MultiServer { // Multi-Server Mode names its one client's port in every header
			return nil, nil
		}
		if !multiClient {
			return nil, &ConfigError{Err: ErrPorts, Msg: "Kindly provide a unique & valid port value at Server-end: the client's port ({Ports} 5555, or {Endpoints} host:port)"}
		}
		return nil, &ConfigError{Err: ErrPorts, Msg: "Incorrect port value! Kindly provide a list of Client ports ({Ports} 5577,5578) or client endpoints ({Endpoints} host:port) in Multi-Client Mode"}
	}
	if !multiClient && len(c.Ports)+len(c.Endpoints) > 1 {
		mode := "pattern 0 (PAIR) sends to exactly one client"
		if c.MultiServer {
			mode = "Multi-Server Mode sends to exactly one client (a receiver that binds one port per server)"
		}
		return nil, &ConfigError{Err: ErrPorts, Msg: mode + ": give one port or one {Endpoints}; for several clients use pattern 1 or 2 without {MultiServer} (Multi-Client Mode)"}
	}
	if len(c.Ports) > 0 && c.Address == "" {
		return nil, &ConfigError{Err: ErrPorts, Msg: "{Ports} needs {Address}: the IP the clients bound to (NetGear's address)"}
	}
	var eps []endpoint
	seen := map[string]bool{}
	add := func(host string, port int) error {
		if port < 1 || port > 65535 {
			return &ConfigError{Err: ErrPorts, Msg: fmt.Sprintf("invalid client port %d: use 1-65535", port)}
		}
		addr := net.JoinHostPort(host, strconv.Itoa(port))
		if seen[addr] {
			return &ConfigError{Err: ErrDuplicatePort, Msg: fmt.Sprintf("client %s is listed twice: each client needs a unique port", addr)}
		}
		seen[addr] = true
		eps = append(eps, endpoint{addr: addr, port: port})
		return nil
	}
	for _, p := range c.Ports {
		if err := add(c.Address, p); err != nil {
			return nil, err
		}
	}
	for _, e := range c.Endpoints {
		host, ps, err := net.SplitHostPort(e)
		p, perr := strconv.Atoi(ps)
		if err != nil || perr != nil || host == "" {
			return nil, &ConfigError{Err: ErrPorts, Msg: fmt.Sprintf("invalid client endpoint %q: use host:port, e.g. 192.168.1.20:5577", e)}
		}
		if err := add(host, p); err != nil {
			return nil, err
		}
	}
	return eps, nil
}

type endpoint struct {
	addr string
	port int
}

// checkModes reproduces NetGear's ValueErrors for invalid mode combinations.
func checkModes(p Pattern, bidirectional, multiClient, multiServer bool) error {
	if multiClient && multiServer {
		return &ConfigError{Err: ErrMultiClientMultiServer, Msg: "Multi-Client and Multi-Server Mode cannot be enabled simultaneously: drop one of them"}
	}
	if !multiClient && !multiServer && p != Pair && p != ReqRep && p != PubSub {
		return &ConfigError{Err: ErrInvalidPattern, Msg: fmt.Sprintf("invalid pattern %d: use 0 (PAIR), 1 (REQ/REP) or 2 (PUB/SUB)", p)}
	}
	if (multiClient || multiServer) && p != ReqRep && p != PubSub {
		mode := "Multi-Client"
		if multiServer {
			mode = "Multi-Server"
		}
		return &ConfigError{Err: ErrInvalidPattern, Msg: fmt.Sprintf("`%d` pattern is not valid when %s Mode is enabled: use pattern 1 (REQ/REP) or 2 (PUB/SUB)", p, mode)}
	}
	if bidirectional && p == PubSub {
		return &ConfigError{Err: ErrBidirectionalPattern2, Msg: "`2` pattern is not valid when Bidirectional Mode is enabled: use pattern 1 (REQ/REP) for bidirectional mode"}
	}
	return nil
}

// ClientConfig configures a receiving Client, which binds its port as a NetGear client does.
type ClientConfig struct {
	// Address to bind; "" or "*" means all interfaces.
	Address string
	// Port to bind; required (NetGear: "Kindly provide a unique & valid port value").
	Port int
	// Ports, instead of Port, binds several ports and receives from several servers at once
	// (NetGear's Multi-Server mode). Frames carry the port they came in on.
	Ports []int

	Pattern       Pattern
	Bidirectional bool
	// MultiServer is implied by Ports; MultiClient is set by callers that expose NetGear's
	// flag, so that enabling both reproduces NetGear's error.
	MultiServer, MultiClient bool

	// Timeout ends the client when a server, once heard, has been silent this long (default 3 s).
	Timeout time.Duration
	// WaitLimit bounds the wait for the first message; 0 waits for ever.
	WaitLimit time.Duration
	// QueueLen is how many received frames wait for Recv; older ones are dropped (default 4).
	QueueLen int
	// MaxFrameSize caps one incoming frame (default 64 MiB).
	MaxFrameSize int64
	// MaxMemory bounds the bytes of messages being read at once over all connections
	// (default DefaultClientMemory). When a frame does not fit, the connection reading the
	// largest message is cut if that message is larger than the frame, else the frame's own
	// connection is; either is counted in ClientStats.Cut.
	MaxMemory int64
	// QueueBytes bounds the frames waiting for Recv in bytes, as QueueLen does in number
	// (default DefaultQueueBytes); the newest frame is always kept.
	QueueBytes int64
	// MaxConns bounds the connections open on each port (default DefaultMaxConns). At the cap
	// a new connection replaces one that has not delivered a message for IdleTimeout (or
	// ever), or is refused when every one has; either is counted in ClientStats.Cut.
	MaxConns int
	// IdleTimeout cuts a connection that delivers no message for this long: heartbeats keep
	// it open between messages, but not within one (default the larger of 10 s and Timeout).
	IdleTimeout time.Duration
	// HandshakeTimeout bounds a connection's ZMTP (and CURVE) handshake (default 5 s).
	HandshakeTimeout time.Duration

	// Curve, when set, makes the client the CURVE server of NetGear's secure_mode: only
	// senders that complete the handshake (and pass its authorizer) are heard.
	Curve curve.Handshaker

	Logger *slog.Logger
}

func (c *ClientConfig) setDefaults() {
	if c.Timeout <= 0 {
		c.Timeout = 3 * time.Second
	}
	if c.QueueLen <= 0 {
		c.QueueLen = 4
	}
	if c.MaxFrameSize <= 0 {
		c.MaxFrameSize = DefaultClientMaxFrame
	}
	if c.MaxMemory <= 0 {
		c.MaxMemory = DefaultClientMemory
	}
	if c.QueueBytes <= 0 {
		c.QueueBytes = DefaultQueueBytes
	}
	if c.MaxConns <= 0 {
		c.MaxConns = DefaultMaxConns
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = max(10*time.Second, c.Timeout)
	}
	if c.HandshakeTimeout <= 0 {
		c.HandshakeTimeout = 5 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Address == "*" {
		c.Address = ""
	}
}

func (c *ClientConfig) ports() ([]int, error) {
	multiServer := c.MultiServer || len(c.Ports) > 0
	if err := checkModes(c.Pattern, c.Bidirectional, c.MultiClient, multiServer); err != nil {
		return nil, err
	}
	ports := c.Ports
	if len(ports) == 0 {
		if c.Port == 0 {
			return nil, &ConfigError{Err: ErrPorts, Msg: "Kindly provide a unique & valid port value at Client-end ({Port} 5577)"}
		}
		ports = []int{c.Port}
	} else if c.Port != 0 {
		return nil, &ConfigError{Err: ErrPorts, Msg: "give either {Port} or {Ports}, not both"}
	}
	seen := map[int]bool{}
	for _, p := range ports {
		if p < 1 || p > 65535 {
			return nil, &ConfigError{Err: ErrPorts, Msg: fmt.Sprintf("invalid port %d: use 1-65535", p)}
		}
		if seen[p] {
			return nil, &ConfigError{Err: ErrDuplicatePort, Msg: fmt.Sprintf("port %d is listed twice: each server needs its own port", p)}
		}
		seen[p] = true
	}
	return ports, nil
}
