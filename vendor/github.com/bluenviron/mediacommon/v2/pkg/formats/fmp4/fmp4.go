// Package fmp4 contains a fragmented-MP4 reader and writer.
package fmp4
