package stream

import "testing"

// Client connections get DefaultSendBuffer unless the config says otherwise; a negative value
// hands the choice back to the kernel (0 reaches zmtp.Dial, which then sets nothing).
func TestSendBufferDefault(t *testing.T) {
	for in, want := range map[int]int{0: DefaultSendBuffer, -1: 0, 1 << 20: 1 << 20} {
		cfg := ServerConfig{SendBuffer: in}
		cfg.setDefaults()
		if cfg.SendBuffer != want {
			t.Errorf("SendBuffer %d became %d, want %d", in, cfg.SendBuffer, want)
		}
	}
}
