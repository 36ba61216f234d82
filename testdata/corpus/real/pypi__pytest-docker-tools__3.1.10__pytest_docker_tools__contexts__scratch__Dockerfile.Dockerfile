# For volume seeding we want a near-empty volune, You can't 'docker create scratch'
# and you can have an image with just `FROM scratch`.

FROM scratch
CMD ["/bin/sh"]
