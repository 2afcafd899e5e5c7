package mp4

// Specification: ISO 14496-1, Table 6
const (
	StreamTypeVisualStream = 0x04
	StreamTypeAudioStream  = 0x05
)
