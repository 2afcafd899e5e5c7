//go:build cgo && (turbojpeg || openh264)

package codec

import picimage "github.com/picam-project/picam/image"

// movingTexture is a camera-like sequence for video encoders: the texture
// panned by a few pixels per frame, so P-frames carry motion.
func movingTexture(w, h, n int) []picimage.Frame {
	big := texture(w+4*n, h+n, 5)
	var out []picimage.Frame
	for i := range n {
		data := make([]byte, 3*w*h)
		for y := 0; y < h; y++ {
			copy(data[3*w*y:3*w*(y+1)], big[3*((y+i)*(w+4*n)+4*i):])
		}
		out = append(out, picimage.Frame{Width: w, Height: h, Format: picimage.BGR24, Data: data})
	}
	return out
}
