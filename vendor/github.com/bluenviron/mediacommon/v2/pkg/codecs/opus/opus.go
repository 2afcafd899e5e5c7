// Package opus contains utilities to work with the Opus codec.
package opus
