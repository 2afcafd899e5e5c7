package status

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"periph.io/x/conn/v3/driver/driverreg"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/host/v3/gpioioctl"
)

// errNoGPIO means the machine has no GPIO character devices at all (a
// laptop, CI, a container): GPIO indicators and the button are skipped, not
// failed.
var errNoGPIO = errors.New("no /dev/gpiochip* on this machine")

// lineFinder looks GPIO lines up by spec. Open uses periph's gpioioctl; tests
// substitute fakes.
type lineFinder interface {
	line(spec string) (gpio.PinIO, error)
}

// gpioSpec matches the spellings of a GPIO line: "gpio:NAME", "GPIO17",
// "gpio17" or a bare line number "17".
var gpioSpec = regexp.MustCompile(`(?i)^(gpio:.+|gpio\d+|\d+)$`)

// isGPIOSpec tells GPIO lines from sysfs LED names.
func isGPIOSpec(s string) bool { return gpioSpec.MatchString(s) }

// periphLines finds lines on the GPIO character devices through periph's
// gpioioctl driver. Only gpioioctl is initialised (this package imports no
// other periph host driver), so periph never touches /dev/mem or
// /dev/gpiomem.
type periphLines struct{}

// openPeriphLines initialises gpioioctl if devRoot has GPIO chips. periph
// itself always looks at /dev; devRoot only decides whether to try.
func openPeriphLines(devRoot string) (lineFinder, error) {
	chips, _ := filepath.Glob(filepath.Join(devRoot, "gpiochip*"))
	if len(chips) == 0 {
		return nil, errNoGPIO
	}
	if _, err := driverreg.Init(); err != nil {
		return nil, fmt.Errorf("status: initialising periph GPIO: %w", err)
	}
	if len(gpioioctl.Chips) == 0 {
		// gpioioctl only logs why a chip failed to open; find out ourselves.
		f, err := os.OpenFile(chips[0], os.O_RDWR, 0)
		if err != nil {
			return nil, gpioError("opening "+chips[0], err)
		}
		_ = f.Close()
		return nil, fmt.Errorf("status: periph gpioioctl found no usable GPIO chip among %v; the kernel may be older than 5.10 (GPIO uAPI v2)", chips)
	}
	return periphLines{}, nil
}

// line resolves spec. Names are searched on every chip ("GPIO17" is the line
// name on Pi kernels); numbers are offsets on the first chip, which periph
// sorts so that the Pi's header bank (pinctrl-*) comes first, making 17 mean
// BCM GPIO17 on a Pi 1-5. "GPIO17" falls back to offset 17 when the kernel
// does not name its lines.
func (periphLines) line(spec string) (gpio.PinIO, error) {
	name := spec
	if len(name) > 5 && strings.EqualFold(name[:5], "gpio:") {
		name = name[5:]
	}
	if n, err := strconv.Atoi(name); err == nil {
		return lineByNumber(spec, n)
	}
	for _, c := range gpioioctl.Chips {
		if l := c.ByName(name); l != nil {
			return l, nil
		}
	}
	if len(name) > 4 && strings.EqualFold(name[:4], "gpio") {
		if n, err := strconv.Atoi(name[4:]); err == nil {
			return lineByNumber(spec, n)
		}
	}
	return nil, fmt.Errorf("status: no GPIO line named %q on %s; use a name listed by gpioinfo, or a number such as 17", name, chipNames())
}

func lineByNumber(spec string, n int) (gpio.PinIO, error) {
	c := gpioioctl.Chips[0]
	if n < 0 || n >= c.LineCount() {
		return nil, fmt.Errorf("status: GPIO %q: %s (%s) has lines 0-%d; pick one of those", spec, c.Name(), c.Label(), c.LineCount()-1)
	}
	l := c.ByNumber(n)
	if l.Name() == "" || l.Name() == "-" || l.Name() == "_" {
		return namedPin{l, "GPIO" + strconv.Itoa(n)}, nil
	}
	return l, nil
}

// namedPin gives an unnamed line a readable name in logs. It keeps Close
// reachable so the line is still released.
type namedPin struct {
	*gpioioctl.GPIOLine
	name string
}

func (p namedPin) Name() string { return p.name }

func chipNames() string {
	var s []string
	for _, c := range gpioioctl.Chips {
		s = append(s, c.Name()+" ("+c.Label()+")")
	}
	return strings.Join(s, ", ")
}
