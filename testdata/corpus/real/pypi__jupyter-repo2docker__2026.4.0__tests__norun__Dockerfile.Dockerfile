# Smallest possible dockerfile, used only for building images to be tested
FROM scratch