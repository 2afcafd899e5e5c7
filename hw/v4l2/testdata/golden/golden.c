/*
 * golden.c prints struct sizes, field offsets, ioctl numbers and constants
 * from the kernel's <linux/videodev2.h> as "name value" lines. gen.sh builds
 * it with each cross compiler and turns the output into golden_data_test.go.
 */
#include <stddef.h>
#include <stdio.h>
#include <linux/videodev2.h>
#include <linux/v4l2-controls.h>
#include <linux/dma-buf.h>

#define P(name) printf("%s 0x%llx\n", #name, (unsigned long long)(name))
#define S(t) printf("sizeof:%s %zu\n", #t, sizeof(struct t))
#define O(t, f) printf("offsetof:%s.%s %zu\n", #t, #f, offsetof(struct t, f))

int main(void)
{
	S(v4l2_capability); S(v4l2_fmtdesc); S(v4l2_frmsizeenum); S(v4l2_frmivalenum);
	S(v4l2_format); S(v4l2_pix_format); S(v4l2_pix_format_mplane); S(v4l2_plane_pix_format);
	S(v4l2_streamparm); S(v4l2_captureparm); S(v4l2_outputparm);
	S(v4l2_requestbuffers); S(v4l2_buffer); S(v4l2_plane); S(v4l2_timecode);
	S(v4l2_queryctrl); S(v4l2_query_ext_ctrl); S(v4l2_querymenu); S(v4l2_control);
	S(v4l2_ext_controls); S(v4l2_ext_control); S(v4l2_exportbuffer); S(v4l2_encoder_cmd);
	S(dma_buf_sync);

	O(v4l2_format, fmt);
	O(v4l2_buffer, timestamp); O(v4l2_buffer, timecode); O(v4l2_buffer, sequence);
	O(v4l2_buffer, memory); O(v4l2_buffer, m); O(v4l2_buffer, length); O(v4l2_buffer, request_fd);
	O(v4l2_plane, m); O(v4l2_plane, data_offset);
	O(v4l2_ext_controls, controls);
	O(v4l2_ext_control, value64);
	O(v4l2_query_ext_ctrl, minimum); O(v4l2_query_ext_ctrl, flags);
	O(v4l2_querymenu, value); O(v4l2_querymenu, reserved);
	O(v4l2_pix_format_mplane, num_planes); O(v4l2_pix_format_mplane, xfer_func);
	O(v4l2_frmsizeenum, discrete); O(v4l2_frmivalenum, discrete);

	P(VIDIOC_QUERYCAP); P(VIDIOC_ENUM_FMT); P(VIDIOC_G_FMT); P(VIDIOC_S_FMT); P(VIDIOC_TRY_FMT);
	P(VIDIOC_REQBUFS); P(VIDIOC_QUERYBUF); P(VIDIOC_QBUF); P(VIDIOC_DQBUF); P(VIDIOC_EXPBUF);
	P(VIDIOC_STREAMON); P(VIDIOC_STREAMOFF); P(VIDIOC_G_PARM); P(VIDIOC_S_PARM);
	P(VIDIOC_G_CTRL); P(VIDIOC_S_CTRL); P(VIDIOC_QUERYCTRL); P(VIDIOC_QUERY_EXT_CTRL);
	P(VIDIOC_QUERYMENU); P(VIDIOC_G_EXT_CTRLS); P(VIDIOC_S_EXT_CTRLS); P(VIDIOC_TRY_EXT_CTRLS);
	P(VIDIOC_ENUM_FRAMESIZES); P(VIDIOC_ENUM_FRAMEINTERVALS);
	P(VIDIOC_ENCODER_CMD); P(VIDIOC_TRY_ENCODER_CMD);
	P(DMA_BUF_IOCTL_SYNC);
	return 0;
}
