// Package ac3 contains utilities to work with the AC-3 codec.
package ac3

const (
	// SamplesPerFrame is the number of samples contained inside a frame.
	SamplesPerFrame = 1536
)
