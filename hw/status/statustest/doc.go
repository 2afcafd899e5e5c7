// Package statustest provides fakes for package status: a Clock whose time
// only moves when the test says so, an Indicator that records every level it
// was given with the fake time, and a button Input the test presses and
// releases. With them, tests run a minute of blinking or a 3-second long press
// in microseconds and compare exact timelines.
//
// Goroutines in package status react to fake-time events asynchronously. Give
// the Clock a Settle function that waits until they are idle; inside a
// testing/synctest bubble that is simply synctest.Wait:
//
//	synctest.Test(t, func(t *testing.T) {
//		clk := statustest.NewClock(statustest.Epoch, synctest.Wait)
//		...
//	})
package statustest
