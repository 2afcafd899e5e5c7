//go:build linux

package main

import (
	"testing"
	"unsafe"
)

// The struct sizes from linux/gpio.h (pahole on 6.1, identical on amd64,
// arm64 and armhf). A wrong size gives a wrong ioctl number and ENOTTY in the
// guest, far from the cause.
func TestGPIOStructSizes(t *testing.T) {
	for _, c := range []struct {
		name string
		got  uintptr
		want uintptr
	}{
		{"gpiochip_info", unsafe.Sizeof(gpioChipInfo{}), 68},
		{"gpio_v2_line_attribute", unsafe.Sizeof(gpioLineAttribute{}), 16},
		{"gpio_v2_line_config_attribute", unsafe.Sizeof(gpioLineConfigAttribute{}), 24},
		{"gpio_v2_line_config", unsafe.Sizeof(gpioLineConfig{}), 272},
		{"gpio_v2_line_request", unsafe.Sizeof(gpioLineRequest{}), 592},
		{"gpio_v2_line_values", unsafe.Sizeof(gpioLineValues{}), 16},
		{"gpio_v2_line_info", unsafe.Sizeof(gpioLineInfo{}), 256},
	} {
		if c.got != c.want {
			t.Errorf("sizeof(struct %s) = %d, want %d", c.name, c.got, c.want)
		}
	}
}

// The ioctl numbers as the kernel headers define them.
func TestGPIOIoctlNumbers(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"GPIO_GET_CHIPINFO_IOCTL", gpioGetChipInfo, 0x8044b401},
		{"GPIO_V2_GET_LINEINFO_IOCTL", gpioGetLineInfo, 0xc100b405},
		{"GPIO_V2_GET_LINE_IOCTL", gpioGetLine, 0xc250b407},
		{"GPIO_V2_LINE_GET_VALUES_IOCTL", gpioLineGetValues, 0xc010b40e},
		{"GPIO_V2_LINE_SET_VALUES_IOCTL", gpioLineSetValues, 0xc010b40f},
	} {
		if c.got != c.want {
			t.Errorf("%s = %#x, want %#x", c.name, c.got, c.want)
		}
	}
}
