# Every package of the picam BR2_EXTERNAL tree; today only package/picam.
include $(sort $(wildcard $(BR2_EXTERNAL_PICAM_PATH)/package/*/*.mk))
