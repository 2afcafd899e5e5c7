package mp4

// Specification: ISO 14496-1, Table 5
const (
	ObjectTypeIndicationVisualISO14496part2    = 0x20
	ObjectTypeIndicationAudioISO14496part3     = 0x40
	ObjectTypeIndicationVisualISO1318part2Main = 0x61
	ObjectTypeIndicationAudioISO11172part3     = 0x6B
	ObjectTypeIndicationVisualISO10918part1    = 0x6C
)
