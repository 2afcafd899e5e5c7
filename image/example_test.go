package picimage_test

import (
	"context"
	"fmt"

	picimage "github.com/picam-project/picam/image"
)

// A test source stands in for a camera; ReadCounter tells which frame a
// picture is.
func ExampleNewTestSource() {
	src, err := picimage.NewTestSource(640, 480, 30)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer src.Close()
	for range 3 {
		f, err := src.Next(context.Background())
		if err != nil {
			fmt.Println(err)
			return
		}
		n, ok := picimage.ReadCounter(f.Data, f.Width, f.Height)
		fmt.Println(f.Seq, f.Format, len(f.Data), n, ok)
	}
	// Output:
	// 0 BGR24 921600 0 true
	// 1 BGR24 921600 1 true
	// 2 BGR24 921600 2 true
}

func ExampleParseResolution() {
	w, h, err := picimage.ParseResolution("1280x720")
	fmt.Println(w, h, err)
	_, _, err = picimage.ParseResolution("1280:720")
	fmt.Println(err)
	// Output:
	// 1280 720 <nil>
	// picimage: resolution "1280:720": want WIDTHxHEIGHT, for example 640x480
}
