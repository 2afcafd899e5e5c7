// Package mpeg1audio contains utilities to work with MPEG-1/2 audio codecs.
package mpeg1audio
