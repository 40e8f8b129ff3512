# Turns the text file IN into a C string NAME in OUT (the batch driver's source travels inside the worker).
file(READ ${IN} text)
string(REPLACE "\\" "\\\\" text "${text}")
string(REPLACE "\"" "\\\"" text "${text}")
string(REPLACE "\n" "\\n\"\n\t\"" text "${text}")
file(WRITE ${OUT} "/* Generated from ${IN} by embed_text.cmake; do not edit. */\nconst char ${NAME}[] =\n\t\"${text}\";\n")
