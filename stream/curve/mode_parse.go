package curve

import (
	"fmt"
	"strings"
)

// ParseMode accepts NetGear's secure_mode numbers and the names of ZeroMQ's security models:
// 0/grasslands/off, 1/stonehouse, 2/ironhouse.
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "0", "grasslands", "off", "":
		return ModeOff, nil
	case "1", "stonehouse":
		return ModeStoneHouse, nil
	case "2", "ironhouse":
		return ModeIronHouse, nil
	}
	return ModeOff, fmt.Errorf("invalid secure mode %q: use 0 (grasslands), 1 (stonehouse) or 2 (ironhouse)", s)
}
