-- A product's picture: the file name in the picture directory (the
-- catalog's `image` column) and the strong ETag of its bytes when it was
-- imported, so that a picture replaced under the same name changes the
-- product and devices fetch it again.
ALTER TABLE product ADD COLUMN image TEXT;
ALTER TABLE product ADD COLUMN image_etag TEXT;
