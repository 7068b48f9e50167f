/* image_folder.h - the whole image-folder API in one include: listing a folder
 * (folder_scan.h), decoding it into a data set (folder_decode.h) and writing a data set
 * as one (export.h). */
#ifndef NN_IMAGE_FOLDER_H
#define NN_IMAGE_FOLDER_H

#include "data/export.h"
#include "data/folder_decode.h"
#include "data/folder_scan.h"

#endif
