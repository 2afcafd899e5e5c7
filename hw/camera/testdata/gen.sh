#!/bin/sh
# gen.sh regenerates the streams the fake rpicam-vid plays, with Debian's
# ffmpeg: 8 frames of 64x48 test pattern as concatenated JPEG images (what
# rpicam-vid --codec mjpeg -o - writes) and as an H.264 Annex-B stream with
# a keyframe every 4 frames (what --codec h264 --inline -o - writes).
set -eu
cd "$(dirname "$0")"
ffmpeg -loglevel error -y -f lavfi -i testsrc=size=64x48:rate=8 -frames:v 8 \
	-c:v mjpeg -q:v 5 -f mjpeg stream.mjpeg
ffmpeg -loglevel error -y -f lavfi -i testsrc=size=64x48:rate=8 -frames:v 8 \
	-pix_fmt yuv420p -c:v libx264 -profile:v baseline -g 4 -keyint_min 4 -sc_threshold 0 -bf 0 \
	-x264-params repeat-headers=1 -f h264 stream.h264
# Variants for the access-unit splitter: delimiters before every picture,
# and two slices per picture.
ffmpeg -loglevel error -y -f lavfi -i testsrc=size=64x48:rate=8 -frames:v 8 \
	-pix_fmt yuv420p -c:v libx264 -profile:v baseline -g 4 -keyint_min 4 -sc_threshold 0 -bf 0 \
	-x264-params repeat-headers=1:aud=1 -f h264 stream-aud.h264
ffmpeg -loglevel error -y -f lavfi -i testsrc=size=64x48:rate=8 -frames:v 8 \
	-pix_fmt yuv420p -c:v libx264 -profile:v baseline -g 4 -keyint_min 4 -sc_threshold 0 -bf 0 \
	-x264-params repeat-headers=1:slices=2 -f h264 stream-slices.h264
# What rpicam-vid writes on a Pi 5 (libx264 through libav) without
# --low-latency: B-frames (rpicam-apps sets max_b_frames=1 there).
ffmpeg -loglevel error -y -f lavfi -i testsrc=size=64x48:rate=8 -frames:v 8 \
	-pix_fmt yuv420p -c:v libx264 -profile:v main -g 4 -keyint_min 4 -sc_threshold 0 -bf 1 -b_strategy 0 \
	-x264-params repeat-headers=1 -f h264 stream-bframes.h264
